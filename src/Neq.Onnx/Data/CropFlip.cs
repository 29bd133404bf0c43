namespace Neq.Onnx.Data;

/// <summary>
/// One draw of the training augmentation: a crop window in the zero-padded image and a
/// horizontal flip applied after cropping (torchvision's RandomCrop then RandomHorizontalFlip).
/// </summary>
/// <param name="Top">First row of the window in the padded image, 0 to 2·padding.</param>
/// <param name="Left">First column of the window in the padded image, 0 to 2·padding.</param>
/// <param name="Flip">Whether the cropped image is mirrored left–right.</param>
public readonly record struct CropFlip(int Top, int Left, bool Flip)
{
    /// <summary>The identity: the centre window, not flipped.</summary>
    public static CropFlip None(int padding) => new(padding, padding, false);
}
