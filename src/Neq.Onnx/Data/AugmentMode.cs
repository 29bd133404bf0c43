namespace Neq.Onnx.Data;

/// <summary>Training augmentation of image samples (<c>--augment</c>).</summary>
public enum AugmentMode
{
    /// <summary>No augmentation.</summary>
    None,

    /// <summary>Random crop of the zero-padded image (torchvision's RandomCrop(size, padding)).</summary>
    Crop,

    /// <summary>Random crop, then a horizontal flip with probability 0.5 (the CIFAR recipe).</summary>
    CropFlip,
}
