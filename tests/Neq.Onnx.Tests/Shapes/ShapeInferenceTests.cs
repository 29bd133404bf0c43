using Neq.Onnx.Graphs;
using Neq.Onnx.Io;
using Neq.Onnx.Ir;
using Neq.Onnx.Shapes;
using static Neq.Onnx.Tests.Shapes.ShapeNotation;
using DataType = Neq.Onnx.Ir.TensorProto.Types.DataType;

namespace Neq.Onnx.Tests.Shapes;

/// <summary>
/// One row per operator (and per opset variant): a single node over typed inputs, and the output
/// types worked out by hand in the row's "why" column.
/// </summary>
public sealed class ShapeInferenceTests
{
    internal sealed record Row(long Opset, string Op, In[] Inputs, AttributeProto[] Attrs, string[] Expected, string Why);

    static Row R(long opset, string op, In[] inputs, AttributeProto[] attrs, string why, params string[] expected) =>
        new(opset, op, inputs, attrs, expected, why);

    static readonly string[] UnaryOps =
        ["Relu", "Sigmoid", "HardSigmoid", "HardSwish", "Tanh", "Exp", "Log", "Sqrt", "Neg", "Abs", "Reciprocal",
         "Erf", "Softplus", "Elu", "Selu", "Gelu", "Mish", "Softmax", "LogSoftmax", "InstanceNormalization"];

    const long Int64Max = long.MaxValue;

    static readonly Dictionary<string, Row> Rows = new Dictionary<string, Row>
    {
        // Elementwise.
        ["LeakyRelu"] = R(17, "LeakyRelu", [X("float[N,3,4]")], [Attr.Float("alpha", 0.1f)], "same as input", "float[N,3,4]"),
        ["PRelu slope [C,1,1]"] = R(17, "PRelu", [X("float[N,8,4,4]"), W("float[8,1,1]")], [], "slope broadcasts to X", "float[N,8,4,4]"),
        ["Clip opset 6 attrs"] = R(6, "Clip", [X("float[N,4]")], [Attr.Float("min", 0), Attr.Float("max", 6)], "same as input", "float[N,4]"),
        ["Clip opset 12 inputs"] = R(12, "Clip", [X("float[N,4]"), Float(0), Float(6)], [], "same as input", "float[N,4]"),
        ["Clip opset 12 max only"] = R(12, "Clip", [X("float[N,4]"), None, Float(6)], [], "same as input", "float[N,4]"),
        ["Cast to int64"] = R(17, "Cast", [X("float[N,3]")], [Attr.Int("to", (long)DataType.Int64)], "type changes, shape kept", "int64[N,3]"),
        ["Cast opset 1 type name"] = R(1, "Cast", [X("float[N,3]")], [Attr.String("to", "INT32")], "Cast-1 names the type", "int32[N,3]"),
        ["CastLike"] = R(15, "CastLike", [X("float[N,3]"), X("int32[1]")], [], "type of input 1", "int32[N,3]"),
        ["Add broadcast"] = R(17, "Add", [X("float[N,1,4]"), X("float[3,1]")], [], "[N,1,4] vs [_,3,1] → N, 3, 4", "float[N,3,4]"),
        ["Add equal symbols"] = R(17, "Add", [X("float[N,4]"), X("float[N,4]")], [], "N matches N", "float[N,4]"),
        ["Add different symbols"] = R(17, "Add", [X("float[N,4]"), X("float[M,4]")], [], "N vs M: unknown", "float[?,4]"),
        ["Add unknown vs known"] = R(17, "Add", [X("float[?,4]"), X("float[5,1]")], [], "? vs 5 → 5 (5 is not 1)", "float[5,4]"),
        ["Add one vs symbol"] = R(17, "Add", [X("float[1,4]"), X("float[N,1]")], [], "1 gives way: N, 4", "float[N,4]"),
        ["Add opset 6 legacy broadcast"] = R(6, "Add", [X("float[2,3,4]"), X("float[3]")], [Attr.Int("broadcast", 1), Attr.Int("axis", 1)], "B broadcasts to A", "float[2,3,4]"),
        ["Sub"] = R(17, "Sub", [X("float[N,4]"), X("float[4]")], [], "[4] aligns right", "float[N,4]"),
        ["Mul scalar"] = R(17, "Mul", [X("float[N,4]"), Float(2)], [], "scalar broadcasts", "float[N,4]"),
        ["Div"] = R(17, "Div", [X("double[2,1]"), X("double[1,3]")], [], "2 × 3", "double[2,3]"),
        ["Pow"] = R(17, "Pow", [X("float[N,4]"), Float(2)], [], "type of base", "float[N,4]"),
        ["Max of three"] = R(17, "Max", [X("float[2,1,1]"), X("float[3,1]"), X("float[4]")], [], "2, 3, 4", "float[2,3,4]"),
        ["Min"] = R(17, "Min", [X("float[N,4]"), X("float[1,4]")], [], "N, 4", "float[N,4]"),
        ["Sum"] = R(17, "Sum", [X("float[3]"), X("float[2,3]")], [], "2, 3", "float[2,3]"),
        ["Mean"] = R(17, "Mean", [X("float[N,3]"), X("float[N,3]")], [], "N, 3", "float[N,3]"),
        ["Equal"] = R(17, "Equal", [X("int64[N,3]"), X("int64[3]")], [], "bool of the broadcast", "bool[N,3]"),
        ["Less"] = R(17, "Less", [X("float[N,3]"), Float(0)], [], "bool", "bool[N,3]"),
        ["Greater"] = R(17, "Greater", [X("float[N,3]"), X("float[N,1]")], [], "bool", "bool[N,3]"),
        ["Not"] = R(17, "Not", [X("bool[N,3]")], [], "bool, same shape", "bool[N,3]"),
        ["And"] = R(17, "And", [X("bool[N,3]"), X("bool[3]")], [], "bool", "bool[N,3]"),
        ["Where"] = R(17, "Where", [X("bool[N,1]"), X("float[1,5]"), X("float[N,5]")], [], "N, 5; type of x", "float[N,5]"),
        ["Dropout opset 12 ratio input"] = R(12, "Dropout", [X("float[N,16]"), Float(0.5f)], [], "mask is bool", "float[N,16]", "bool[N,16]"),
        ["Dropout opset 10 ratio attr"] = R(10, "Dropout", [X("float[N,16]")], [Attr.Float("ratio", 0.5f)], "mask is bool since opset 10", "float[N,16]", "bool[N,16]"),
        ["Identity"] = R(17, "Identity", [X("float[N,3]")], [], "same", "float[N,3]"),

        // Convolution and pooling: O = ⌊(D + pads − ((k−1)·d + 1)) / s⌋ + 1.
        ["Conv pads 1 stride 2"] = R(17, "Conv", [X("float[N,3,32,32]"), W("float[8,3,3,3]"), W("float[8]")], [Attr.Ints("pads", 1, 1, 1, 1), Attr.Ints("strides", 2, 2)], "⌊(32+1+1−3)/2⌋+1 = 16", "float[N,8,16,16]"),
        ["Conv SAME_UPPER stride 2"] = R(17, "Conv", [X("float[N,3,15,15]"), W("float[8,3,3,3]")], [Attr.String("auto_pad", "SAME_UPPER"), Attr.Ints("strides", 2, 2)], "⌈15/2⌉ = 8", "float[N,8,8,8]"),
        ["Conv SAME_LOWER"] = R(17, "Conv", [X("float[N,3,15,15]"), W("float[8,3,3,3]")], [Attr.String("auto_pad", "SAME_LOWER")], "⌈15/1⌉ = 15", "float[N,8,15,15]"),
        ["Conv VALID dilation 2"] = R(17, "Conv", [X("float[N,3,15,15]"), W("float[8,3,3,3]")], [Attr.String("auto_pad", "VALID"), Attr.Ints("dilations", 2, 2)], "effective kernel (3−1)·2+1 = 5; ⌊(15−5)/1⌋+1 = 11", "float[N,8,11,11]"),
        ["Conv depthwise"] = R(17, "Conv", [X("float[N,8,10,10]"), W("float[8,1,3,3]")], [Attr.Int("group", 8)], "C = 1·8; ⌊(10−3)/1⌋+1 = 8", "float[N,8,8,8]"),
        ["Conv 1-D stride 3"] = R(17, "Conv", [X("float[N,4,20]"), W("float[6,4,5]")], [Attr.Ints("strides", 3)], "⌊(20−5)/3⌋+1 = 6", "float[N,6,6]"),
        ["Conv asymmetric pads"] = R(17, "Conv", [X("float[N,3,10,10]"), W("float[8,3,3,3]")], [Attr.Ints("kernel_shape", 3, 3), Attr.Ints("pads", 0, 1, 2, 3)], "H: 10+0+2−3+1 = 10; W: 10+1+3−3+1 = 12", "float[N,8,10,12]"),
        ["Conv symbolic spatial"] = R(17, "Conv", [X("float[N,3,H,W]"), W("float[8,3,3,3]")], [], "H, W symbolic: output unknown", "float[N,8,?,?]"),
        ["ConvTranspose stride 2 output_padding"] = R(17, "ConvTranspose", [X("float[N,8,7,7]"), W("float[8,4,3,3]")], [Attr.Ints("strides", 2, 2), Attr.Ints("pads", 1, 1, 1, 1), Attr.Ints("output_padding", 1, 1)], "2·(7−1)+1+3−2 = 14", "float[N,4,14,14]"),
        ["ConvTranspose group 2"] = R(17, "ConvTranspose", [X("float[N,8,7,7]"), W("float[8,2,4,4]")], [Attr.Int("group", 2), Attr.Ints("strides", 2, 2), Attr.Ints("pads", 1, 1, 1, 1)], "M = 2·2; 2·6+4−2 = 14", "float[N,4,14,14]"),
        ["ConvTranspose output_shape"] = R(17, "ConvTranspose", [X("float[N,8,7,7]"), W("float[8,4,3,3]")], [Attr.Ints("strides", 3, 3), Attr.Ints("output_shape", 20, 20)], "given", "float[N,4,20,20]"),
        ["ConvTranspose SAME_UPPER"] = R(17, "ConvTranspose", [X("float[N,8,7,7]"), W("float[8,4,3,3]")], [Attr.Ints("strides", 2, 2), Attr.String("auto_pad", "SAME_UPPER")], "7·2 = 14", "float[N,4,14,14]"),
        ["MaxPool 2x2 with indices"] = R(17, "MaxPool", [X("float[N,16,32,32]")], [Attr.Ints("kernel_shape", 2, 2), Attr.Ints("strides", 2, 2)], "⌊(32−2)/2⌋+1 = 16", "float[N,16,16,16]", "int64[N,16,16,16]"),
        ["MaxPool ceil_mode"] = R(17, "MaxPool", [X("float[N,16,32,32]")], [Attr.Ints("kernel_shape", 3, 3), Attr.Ints("strides", 2, 2), Attr.Int("ceil_mode", 1)], "⌈(32−3)/2⌉+1 = ⌈14.5⌉+1 = 16", "float[N,16,16,16]"),
        ["MaxPool floor mode"] = R(17, "MaxPool", [X("float[N,16,32,32]")], [Attr.Ints("kernel_shape", 3, 3), Attr.Ints("strides", 2, 2)], "⌊(32−3)/2⌋+1 = 15", "float[N,16,15,15]"),
        ["MaxPool dilation"] = R(17, "MaxPool", [X("float[N,16,8,8]")], [Attr.Ints("kernel_shape", 2, 2), Attr.Ints("dilations", 2, 2)], "effective 3: ⌊(8−3)/1⌋+1 = 6", "float[N,16,6,6]"),
        ["AveragePool SAME_UPPER"] = R(17, "AveragePool", [X("float[N,16,15,15]")], [Attr.Ints("kernel_shape", 3, 3), Attr.Ints("strides", 2, 2), Attr.String("auto_pad", "SAME_UPPER")], "⌈15/2⌉ = 8", "float[N,16,8,8]"),
        ["AveragePool VALID"] = R(17, "AveragePool", [X("float[N,16,5,5]")], [Attr.Ints("kernel_shape", 3, 3), Attr.String("auto_pad", "VALID")], "⌊(5−3)/1⌋+1 = 3", "float[N,16,3,3]"),
        ["GlobalAveragePool"] = R(17, "GlobalAveragePool", [X("float[N,64,7,7]")], [], "spatial axes become 1", "float[N,64,1,1]"),
        ["GlobalMaxPool 1-D"] = R(17, "GlobalMaxPool", [X("float[N,64,9]")], [], "spatial axis becomes 1", "float[N,64,1]"),

        // Normalization.
        ["BatchNormalization inference"] = R(15, "BatchNormalization", [X("float[N,16,8,8]"), W("float[16]"), W("float[16]"), W("float[16]"), W("float[16]")], [], "Y like X", "float[N,16,8,8]"),
        ["BatchNormalization opset 15 training"] = R(15, "BatchNormalization", [X("float[N,16,8,8]"), W("float[16]"), W("float[16]"), W("float[16]"), W("float[16]")], [Attr.Int("training_mode", 1)], "running mean and var are [C]", "float[N,16,8,8]", "float[16]", "float[16]"),
        ["BatchNormalization opset 9 five outputs"] = R(9, "BatchNormalization", [X("float[N,16,8,8]"), W("float[16]"), W("float[16]"), W("float[16]"), W("float[16]")], [], "mean, var, saved mean, saved var are [C]", "float[N,16,8,8]", "float[16]", "float[16]", "float[16]", "float[16]"),
        ["BatchNormalization opset 7 spatial 0"] = R(7, "BatchNormalization", [X("float[N,16,8,8]"), W("float[16,8,8]"), W("float[16,8,8]"), W("float[16,8,8]"), W("float[16,8,8]")], [Attr.Int("spatial", 0)], "statistics per (C, H, W)", "float[N,16,8,8]", "float[16,8,8]"),
        ["LayerNormalization last axis"] = R(17, "LayerNormalization", [X("float[N,5,8]"), W("float[8]"), W("float[8]")], [], "Mean, InvStdDev: axes from −1 become 1", "float[N,5,8]", "float[N,5,1]", "float[N,5,1]"),
        ["LayerNormalization axis 1"] = R(17, "LayerNormalization", [X("float[N,5,8]"), W("float[5,8]")], [Attr.Int("axis", 1)], "axes 1.. become 1", "float[N,5,8]", "float[N,1,1]", "float[N,1,1]"),

        // Matrix products.
        ["Gemm transB"] = R(17, "Gemm", [X("float[N,64]"), W("float[10,64]"), W("float[10]")], [Attr.Int("transB", 1)], "[N,64]·[64,10]", "float[N,10]"),
        ["Gemm transA"] = R(17, "Gemm", [X("float[64,N]"), W("float[64,10]")], [Attr.Int("transA", 1)], "[N,64]·[64,10]", "float[N,10]"),
        ["MatMul 2-D"] = R(17, "MatMul", [X("float[N,4]"), W("float[4,5]")], [], "[N,4]·[4,5]", "float[N,5]"),
        ["MatMul 1-D left"] = R(17, "MatMul", [X("float[4]"), W("float[4,5]")], [], "[1,4]·[4,5], 1 dropped", "float[5]"),
        ["MatMul 1-D right"] = R(17, "MatMul", [X("float[3,4]"), W("float[4]")], [], "[3,4]·[4,1], 1 dropped", "float[3]"),
        ["MatMul 1-D both"] = R(17, "MatMul", [X("float[4]"), W("float[4]")], [], "dot product: scalar", "float[]"),
        ["MatMul batched broadcast"] = R(17, "MatMul", [X("float[2,1,3,4]"), X("float[5,4,6]")], [], "batch [2,1] vs [5] → [2,5]", "float[2,5,3,6]"),
        ["MatMulInteger"] = R(17, "MatMulInteger", [X("uint8[N,4]"), X("uint8[4,5]")], [], "int32 result", "int32[N,5]"),

        // Shapes.
        ["Flatten symbolic batch"] = R(17, "Flatten", [X("float[N,64,1,1]")], [], "[N, 64·1·1]", "float[N,64]"),
        ["Flatten axis 0"] = R(17, "Flatten", [X("float[2,3,4]")], [Attr.Int("axis", 0)], "[1, 24]", "float[1,24]"),
        ["Flatten axis -1"] = R(17, "Flatten", [X("float[2,3,4]")], [Attr.Int("axis", -1)], "[2·3, 4]", "float[6,4]"),
        ["Flatten axis 2 symbolic"] = R(17, "Flatten", [X("float[N,3,4,5]")], [Attr.Int("axis", 2)], "N·3 unknown; 4·5 = 20", "float[?,20]"),
        ["Reshape 0 and -1"] = R(17, "Reshape", [X("float[2,3,4]"), Ints(0, -1)], [], "0 copies 2; 24/2 = 12", "float[2,12]"),
        ["Reshape -1 in middle"] = R(17, "Reshape", [X("float[2,3,4]"), Ints(4, -1, 2)], [], "24/(4·2) = 3", "float[4,3,2]"),
        ["Reshape symbolic -1"] = R(17, "Reshape", [X("float[N,64,1,1]"), Ints(0, -1)], [], "0 copies N; N·64/N = 64", "float[N,64]"),
        ["Reshape opset 13 ignores allowzero"] = R(13, "Reshape", [X("float[2,3]"), Ints(0, 3)], [Attr.Int("allowzero", 1)], "0 copies 2", "float[2,3]"),
        ["Reshape opset 14 allowzero"] = R(14, "Reshape", [X("float[0,3]"), Ints(3, 0)], [Attr.Int("allowzero", 1)], "0 is a size", "float[3,0]"),
        ["Reshape opset 1 attr"] = R(1, "Reshape", [X("float[2,3,4]")], [Attr.Ints("shape", -1, 6)], "24/6 = 4", "float[4,6]"),
        ["Reshape shape not constant"] = R(17, "Reshape", [X("float[2,3,4]"), X("int64[2]")], [], "rank from the shape's length", "float[?,?]"),
        ["Transpose default"] = R(17, "Transpose", [X("float[N,3,4]")], [], "axes reversed", "float[4,3,N]"),
        ["Transpose NCHW to NHWC"] = R(17, "Transpose", [X("float[N,3,8,9]")], [Attr.Ints("perm", 0, 2, 3, 1)], "perm picks N, 8, 9, 3", "float[N,8,9,3]"),
        ["Squeeze opset 11 attr"] = R(11, "Squeeze", [X("float[N,64,1,1]")], [Attr.Ints("axes", 2, 3)], "drops axes 2, 3", "float[N,64]"),
        ["Squeeze opset 13 input"] = R(13, "Squeeze", [X("float[N,64,1,1]"), Ints(-1, 2)], [], "−1 is 3", "float[N,64]"),
        ["Squeeze no axes"] = R(13, "Squeeze", [X("float[1,3,1]")], [], "all 1s", "float[3]"),
        ["Squeeze no axes symbolic"] = R(13, "Squeeze", [X("float[N,3,1]")], [], "N might be 1: rank unknown", "float[*]"),
        ["Unsqueeze opset 11 attr"] = R(11, "Unsqueeze", [X("float[N,3]")], [Attr.Ints("axes", 0)], "1 in front", "float[1,N,3]"),
        ["Unsqueeze opset 13 input"] = R(13, "Unsqueeze", [X("float[N,3]"), Ints(1, -1)], [], "output rank 4: axes 1 and 3", "float[N,1,3,1]"),
        ["Concat axis 1"] = R(17, "Concat", [X("float[N,3,8]"), X("float[N,5,8]")], [Attr.Int("axis", 1)], "3+5", "float[N,8,8]"),
        ["Concat axis -2"] = R(17, "Concat", [X("float[N,3,8]"), X("float[N,5,8]"), X("float[N,1,8]")], [Attr.Int("axis", -2)], "3+5+1", "float[N,9,8]"),
        ["Concat unknown part"] = R(17, "Concat", [X("float[N,?,8]"), X("float[N,5,8]")], [Attr.Int("axis", 1)], "? + 5 unknown", "float[N,?,8]"),
        ["Split opset 13 input"] = R(13, "Split", [X("float[N,8]"), Ints(2, 6)], [Attr.Int("axis", 1)], "2 and 6", "float[N,2]", "float[N,6]"),
        ["Split opset 11 attr"] = R(11, "Split", [X("float[N,8]")], [Attr.Int("axis", 1), Attr.Ints("split", 3, 5)], "3 and 5", "float[N,3]", "float[N,5]"),
        ["Split equal"] = R(13, "Split", [X("float[N,6]")], [Attr.Int("axis", 1)], "6/2", "float[N,3]", "float[N,3]"),
        ["Split opset 18 num_outputs"] = R(18, "Split", [X("float[N,7]")], [Attr.Int("axis", 1), Attr.Int("num_outputs", 3)], "⌈7/3⌉ = 3: 3, 3, 1", "float[N,3]", "float[N,3]", "float[N,1]"),
        ["Slice opset 9 attrs"] = R(9, "Slice", [X("float[N,10]")], [Attr.Ints("starts", 1), Attr.Ints("ends", -1), Attr.Ints("axes", 1)], "1..9: 8", "float[N,8]"),
        ["Slice opset 13 inputs"] = R(13, "Slice", [X("float[N,10]"), Ints(1), Ints(-1), Ints(1)], [], "1..9: 8", "float[N,8]"),
        ["Slice negative step"] = R(13, "Slice", [X("float[N,10]"), Ints(-1), Ints(long.MinValue), Ints(1), Ints(-1)], [], "9 down to 0: 10", "float[N,10]"),
        ["Slice step 3"] = R(13, "Slice", [X("float[N,10]"), Ints(0), Ints(10), Ints(1), Ints(3)], [], "0,3,6,9: ⌈10/3⌉ = 4", "float[N,4]"),
        ["Slice clamped"] = R(13, "Slice", [X("float[N,10]"), Ints(-100), Ints(100), Ints(1)], [], "clamped to 0..10", "float[N,10]"),
        ["Slice keeps symbol"] = R(13, "Slice", [X("float[N,10]"), Ints(0, 2), Ints(Int64Max, 5)], [], "N whole; 2..5: 3", "float[N,3]"),
        ["Slice huge axis"] = R(13, "Slice", [X("float[N,4000000000]"), Ints(1), Ints(-1), Ints(1)], [], "4e9 − 2, without listing indices", "float[N,3999999998]"),
        ["Pad opset 11 input"] = R(11, "Pad", [X("float[N,3,8,8]"), Ints(0, 0, 1, 2, 0, 0, 3, 4)], [], "8+1+3, 8+2+4", "float[N,3,12,14]"),
        ["Pad opset 2 attr reflect"] = R(2, "Pad", [X("float[N,3,8,8]")], [Attr.Ints("pads", 0, 0, 1, 1, 0, 0, 1, 1), Attr.String("mode", "reflect")], "8+2", "float[N,3,10,10]"),
        ["Pad edge negative"] = R(13, "Pad", [X("float[N,3,8,8]"), Ints(0, 0, -1, -1, 0, 0, -1, -1)], [Attr.String("mode", "edge")], "8−2", "float[N,3,6,6]"),
        ["Pad opset 18 axes"] = R(18, "Pad", [X("float[N,3,8,8]"), Ints(1, 2, 1, 2), None, Ints(2, 3)], [], "8+2, 8+4", "float[N,3,10,12]"),
        ["Expand"] = R(17, "Expand", [X("float[3,1]"), Ints(2, 1, 4)], [], "[3,1] with [2,1,4]", "float[2,3,4]"),
        ["Expand symbolic"] = R(17, "Expand", [X("float[N,1]"), Ints(1, 5)], [], "N, 5", "float[N,5]"),
        ["Tile"] = R(17, "Tile", [X("float[2,3]"), Ints(1, 2)], [], "2·1, 3·2", "float[2,6]"),
        ["Tile symbolic"] = R(17, "Tile", [X("float[N,3]"), Ints(1, 2)], [], "N·1 = N", "float[N,6]"),
        ["Gather indices tensor"] = R(17, "Gather", [W("float[10,4]"), X("int64[N,3]")], [], "[N,3] replaces axis 0", "float[N,3,4]"),
        ["Gather scalar axis 1"] = R(17, "Gather", [X("float[N,5,6]"), Int(2)], [Attr.Int("axis", 1)], "scalar index removes axis 1", "float[N,6]"),
        ["GatherElements"] = R(17, "GatherElements", [X("float[N,5]"), X("int64[N,2]")], [Attr.Int("axis", 1)], "indices' shape", "float[N,2]"),
        ["GatherND"] = R(17, "GatherND", [X("float[2,3,4]"), X("int64[5,2]")], [], "[5] ++ data[2:] = [5,4]", "float[5,4]"),
        ["Shape opset 13"] = R(13, "Shape", [X("float[N,3,8,8]")], [], "rank 4", "int64[4]"),
        ["Shape opset 15 start"] = R(15, "Shape", [X("float[N,3,8,8]")], [Attr.Int("start", 1)], "dims 1..4", "int64[3]"),
        ["Shape opset 15 start end negative"] = R(15, "Shape", [X("float[N,3,8,8]")], [Attr.Int("start", -2), Attr.Int("end", -1)], "dims 2..3", "int64[1]"),
        ["Size"] = R(17, "Size", [X("float[N,3]")], [], "scalar", "int64[]"),
        ["ConstantOfShape int64"] = R(17, "ConstantOfShape", [Ints(2, 3)], [Attr.Tensor("value", Tensors.Int64Vector("v", 7))], "value's type", "int64[2,3]"),
        ["ConstantOfShape default"] = R(17, "ConstantOfShape", [Ints(4)], [], "float by default", "float[4]"),
        ["Range int"] = R(17, "Range", [Int(1), Int(10), Int(3)], [], "⌈(10−1)/3⌉ = 3", "int64[3]"),
        ["Range float"] = R(17, "Range", [Float(0), Float(1), Float(0.25f)], [], "⌈1/0.25⌉ = 4", "float[4]"),
        ["NonZero"] = R(17, "NonZero", [X("float[3,4]")], [], "[rank, count]", "int64[2,?]"),
        ["Constant value_ints"] = R(17, "Constant", [], [Attr.Ints("value_ints", 1, 2, 3)], "1-D", "int64[3]"),
        ["Constant value_float"] = R(17, "Constant", [], [Attr.Float("value_float", 1)], "scalar", "float[]"),
        ["Constant value_floats"] = R(17, "Constant", [], [Attr.Floats("value_floats", 1, 2)], "1-D", "float[2]"),
        ["Constant value without tensor"] = R(17, "Constant", [], [new AttributeProto { Name = "value", Type = AttributeProto.Types.AttributeType.Tensor }], "malformed: unknown", "none"),
        ["Constant value tensor"] = R(17, "Constant", [], [Attr.Tensor("value", Tensors.Float("v", [2, 2], [1, 2, 3, 4]))], "tensor's dims", "float[2,2]"),

        // Reductions.
        ["ReduceMean opset 13 attr"] = R(13, "ReduceMean", [X("float[N,8,4,4]")], [Attr.Ints("axes", 2, 3)], "keepdims", "float[N,8,1,1]"),
        ["ReduceMean opset 18 input"] = R(18, "ReduceMean", [X("float[N,8,4,4]"), Ints(-2, -1)], [Attr.Int("keepdims", 0)], "axes dropped", "float[N,8]"),
        ["ReduceSum opset 11 attr"] = R(11, "ReduceSum", [X("float[N,8,4]")], [Attr.Ints("axes", 1), Attr.Int("keepdims", 0)], "axis 1 dropped", "float[N,4]"),
        ["ReduceSum opset 13 input"] = R(13, "ReduceSum", [X("float[N,8,4]"), Ints(0)], [], "axis 0 kept as 1", "float[1,8,4]"),
        ["ReduceSum noop empty axes"] = R(13, "ReduceSum", [X("float[N,8,4]")], [Attr.Int("noop_with_empty_axes", 1)], "identity", "float[N,8,4]"),
        ["ReduceSum all"] = R(13, "ReduceSum", [X("float[N,8,4]")], [], "all axes reduced, kept", "float[1,1,1]"),
        ["ReduceMax"] = R(17, "ReduceMax", [X("float[N,8]")], [Attr.Ints("axes", 1)], "kept as 1", "float[N,1]"),
        ["ReduceMin"] = R(17, "ReduceMin", [X("float[N,8]")], [Attr.Int("keepdims", 0)], "all, dropped", "float[]"),
        ["ReduceProd"] = R(18, "ReduceProd", [X("float[N,8]"), Ints(0)], [Attr.Int("keepdims", 0)], "axis 0 dropped", "float[8]"),
        ["ReduceL2"] = R(18, "ReduceL2", [X("float[N,8,3]"), Ints(1)], [], "axis 1 kept", "float[N,1,3]"),
        ["ArgMax"] = R(17, "ArgMax", [X("float[N,10]")], [Attr.Int("axis", 1), Attr.Int("keepdims", 0)], "int64, axis dropped", "int64[N]"),
        ["TopK opset 11"] = R(11, "TopK", [X("float[N,10]"), Ints(3)], [], "last axis cut to 3", "float[N,3]", "int64[N,3]"),
        ["TopK opset 1 attr"] = R(1, "TopK", [X("float[N,10]")], [Attr.Int("k", 3)], "last axis cut to 3", "float[N,3]", "int64[N,3]"),

        // Resampling.
        ["Resize opset 13 scales"] = R(13, "Resize", [X("float[N,3,8,8]"), None, Floats(1, 1, 2, 2)], [], "8·2", "float[N,3,16,16]"),
        ["Resize opset 11 sizes"] = R(11, "Resize", [X("float[N,3,8,8]"), Floats(), Floats(), Ints(1, 3, 5, 7)], [], "sizes given", "float[1,3,5,7]"),
        ["Resize opset 10"] = R(10, "Resize", [X("float[N,3,8,8]"), Floats(1, 1, 0.5f, 1.5f)], [], "⌊8·0.5⌋, ⌊8·1.5⌋", "float[N,3,4,12]"),
        ["Resize opset 18 axes"] = R(18, "Resize", [X("float[N,3,8,8]"), None, None, Ints(16, 12)], [Attr.Ints("axes", 2, 3)], "sizes on axes 2, 3", "float[N,3,16,12]"),
        ["Resize not_larger"] = R(18, "Resize", [X("float[1,3,8,16]"), None, None, Ints(32, 16)], [Attr.Ints("axes", 2, 3), Attr.String("keep_aspect_ratio_policy", "not_larger")], "scale min(32/8, 16/16) = 1", "float[1,3,8,16]"),
        ["Resize not_smaller"] = R(18, "Resize", [X("float[1,3,8,16]"), None, None, Ints(32, 16)], [Attr.Ints("axes", 2, 3), Attr.String("keep_aspect_ratio_policy", "not_smaller")], "scale max(4, 1) = 4", "float[1,3,32,64]"),
        ["Upsample opset 7 attr"] = R(7, "Upsample", [X("float[N,3,8,8]")], [Attr.Floats("scales", 1, 1, 2, 2)], "8·2", "float[N,3,16,16]"),
        ["Upsample opset 9 input"] = R(9, "Upsample", [X("float[N,3,8,8]"), Floats(1, 1, 3, 2)], [], "8·3, 8·2", "float[N,3,24,16]"),
        ["DepthToSpace"] = R(17, "DepthToSpace", [X("float[N,16,4,4]")], [Attr.Int("blocksize", 2)], "16/4, 4·2", "float[N,4,8,8]"),
        ["SpaceToDepth"] = R(17, "SpaceToDepth", [X("float[N,4,8,8]")], [Attr.Int("blocksize", 2)], "4·4, 8/2", "float[N,16,4,4]"),

        // Losses.
        ["SoftmaxCrossEntropyLoss mean"] = R(13, "SoftmaxCrossEntropyLoss", [X("float[N,10]"), X("int64[N]")], [], "scalar; log_prob like scores", "float[]", "float[N,10]"),
        ["SoftmaxCrossEntropyLoss none"] = R(13, "SoftmaxCrossEntropyLoss", [X("float[N,10,H]"), X("int64[N,H]")], [Attr.String("reduction", "none")], "per sample: labels' shape", "float[N,H]"),
        ["NegativeLogLikelihoodLoss none"] = R(13, "NegativeLogLikelihoodLoss", [X("float[N,10,4,4]"), X("int64[N,4,4]")], [Attr.String("reduction", "none")], "labels' shape", "float[N,4,4]"),
        ["NegativeLogLikelihoodLoss sum"] = R(13, "NegativeLogLikelihoodLoss", [X("float[N,10]"), X("int64[N]")], [Attr.String("reduction", "sum")], "scalar", "float[]"),

        // Unknown operators and unknown inputs: outputs unknown, no exception.
        ["unknown op"] = R(17, "FancyOp", [X("float[N,3]")], [], "no rule", "none"),
        ["Relu of unknown rank"] = R(17, "Relu", [X("float[*]")], [], "rank unknown passes through", "float[*]"),
        ["Conv without weight type"] = R(17, "Conv", [X("float[N,3,8,8]"), X("float[*]")], [], "channels and sizes unknown", "float[N,?,?,?]"),
    }.Concat(UnaryOps.Select(op => KeyValuePair.Create($"unary {op}", R(20, op, [X("float[N,10]")], [], "same as input", "float[N,10]"))))
     .ToDictionary();

    public static TheoryData<string> Names => [.. Rows.Keys];

    [Theory]
    [MemberData(nameof(Names))]
    public void Infers_output_types(string name)
    {
        var row = Rows[name];
        var graph = OneNode(row.Op, row.Inputs, row.Attrs, row.Expected.Length);
        var result = ShapeInference.Infer(graph, row.Opset);
        var actual = row.Expected.Select((_, o) => Format(result.TypeOf($"o{o}"))).ToArray();
        Assert.Equal(row.Expected, actual);
    }

    public static TheoryData<string, string> Contradictions => new()
    {
        { "Concat", "disagree on axis 2" },
        { "Conv", "3 channels" },
        { "Add", "do not broadcast" },
        { "MatMul", "disagree on K" },
        { "Reshape", "cannot reshape" },
        { "Squeeze", "not 1" },
        { "Split", "do not add up" },
    };

    static readonly Dictionary<string, (string Op, In[] Inputs, AttributeProto[] Attrs, int Outputs)> ContradictionGraphs = new()
    {
        ["Concat"] = ("Concat", [X("float[N,3,8]"), X("float[N,5,9]")], [Attr.Int("axis", 1)], 1),
        ["Conv"] = ("Conv", [X("float[N,3,8,8]"), W("float[8,4,3,3]")], [], 1),
        ["Add"] = ("Add", [X("float[N,3]"), X("float[N,4]")], [], 1),
        ["MatMul"] = ("MatMul", [X("float[N,3]"), X("float[4,5]")], [], 1),
        ["Reshape"] = ("Reshape", [X("float[2,3]"), Ints(4, 2)], [], 1),
        ["Squeeze"] = ("Squeeze", [X("float[N,3]"), Ints(1)], [], 1),
        ["Split"] = ("Split", [X("float[N,8]"), Ints(3, 4)], [Attr.Int("axis", 1)], 2),
    };

    [Theory]
    [MemberData(nameof(Contradictions))]
    public void Contradiction_names_the_node(string op, string fragment)
    {
        var (type, inputs, attrs, outputs) = ContradictionGraphs[op];
        var e = Assert.Throws<OnnxFormatException>(() => ShapeInference.Infer(OneNode(type, inputs, attrs, outputs), 17));
        Assert.Contains("Node 'n'", e.Message);
        Assert.Contains(fragment, e.Message);
    }

    public static TheoryData<string> Operators => [.. ShapeRules.Table.Keys.Order(StringComparer.Ordinal)];

    /// <summary>Every rule meets missing inputs, inputs of unknown rank and mismatched ones without crashing.</summary>
    [Theory]
    [MemberData(nameof(Operators))]
    public void Odd_inputs_never_crash_a_rule(string op)
    {
        In[][] oddInputs =
        [
            [],
            [X("float[*]"), X("float[*]"), X("int64[*]"), X("float[*]"), X("float[*]")],
            [None, X("float[2]"), None],
            [X("float[2,3,4,5]"), X("float[5]"), Ints(1, -1), Ints(0), Ints(2)],
            [X("float[?,N,?]"), Ints(), Ints(), X("int64[?]")],
        ];
        foreach (var inputs in oddInputs)
            foreach (var opset in new long[] { 1, 9, 13, 18 })
            {
                try { ShapeInference.Infer(OneNode(op, inputs, [], 3), opset); }
                catch (OnnxFormatException e) { Assert.Contains("Node 'n'", e.Message); }
            }
    }

    [Fact]
    public void Malformed_input_leaves_outputs_unknown()
    {
        // Pads of the wrong length for the rank would index out of range: no exception, shape unknown.
        var graph = OneNode("Conv", [X("float[N,3,8,8]"), W("float[8,3,3,3]")], [Attr.Ints("pads", 1), Attr.Ints("strides", 1)], 1);
        var result = ShapeInference.Infer(graph, 17);
        Assert.Null(result.TypeOf("o0"));
    }

    [Fact]
    public void Declared_value_info_fills_what_a_rule_cannot()
    {
        var graph = OneNode("FancyOp", [X("float[N,3]")], [], 1);
        graph.ValueInfo.Add(Parse("float[N,7]").ToValueInfo("o0"));
        Assert.Equal("float[N,7]", Format(ShapeInference.Infer(graph, 17).TypeOf("o0")));
    }

    [Fact]
    public void Declared_size_refines_an_unknown_inferred_one()
    {
        var graph = OneNode("Add", [X("float[N,4]"), X("float[M,4]")], [], 1);
        graph.Output.Add(Parse("float[8,4]").ToValueInfo("o0"));
        Assert.Equal("float[8,4]", Format(ShapeInference.Infer(graph, 17).TypeOf("o0")));
    }

    [Fact]
    public void Tensor_types_compare_by_value()
    {
        Assert.Equal(Parse("float[N,3,?]"), Parse("float[N,3,?]"));
        Assert.Equal(Parse("float[*]").GetHashCode(), Parse("float[*]").GetHashCode());
        Assert.NotEqual(Parse("float[N,3]"), Parse("float[M,3]"));
        Assert.NotEqual(Parse("float[3]"), Parse("int64[3]"));
        Assert.NotEqual(Parse("float[*]"), Parse("float[]"));
    }

    [Fact]
    public void Model_overload_reads_the_default_domain_opset()
    {
        // Unsqueeze-11 takes axes as an attribute; at opset 13 the same node has no axes input.
        var graph = OneNode("Unsqueeze", [X("float[N,3]")], [Attr.Ints("axes", 0)], 1);
        Assert.Equal("float[1,N,3]", Format(ShapeInference.Infer(OnnxModel.Create(graph, opset: 11)).TypeOf("o0")));
        Assert.Equal("float[*]", Format(ShapeInference.Infer(OnnxModel.Create(graph.Clone(), opset: 13)).TypeOf("o0")));
    }
}
