namespace Neq.Onnx.Data;

/// <summary>CIFAR-10 as read by <see cref="Cifar10.Load(string)"/>: 3×32×32 byte images, labels 0–9.</summary>
/// <param name="Train">The five training batches in file order (50,000 images).</param>
/// <param name="Test">The test batch (10,000 images).</param>
/// <param name="Source">The archive or folder they were read from.</param>
public sealed record Cifar10Data(ImageSet Train, ImageSet Test, string Source);
