/// The operator table: ONNX op type → planning handler (default domain only).
enum Operators {
    static let handlers: [String: (NodeContext) throws -> NodeResult] = [
        "Constant": ShapeOps.constant,
        "Shape": ShapeOps.shape,
        "Gather": ShapeOps.gather,
        "Unsqueeze": ShapeOps.unsqueeze,
        "Squeeze": ShapeOps.squeeze,
        "Reshape": ShapeOps.reshapeOp,
        "Flatten": ShapeOps.flatten,
        "Identity": ShapeOps.identity,
        "Dropout": ShapeOps.identity,
        "Cast": ShapeOps.cast,
        "Slice": ShapeOps.slice,
        "Concat": ConcatOps.concat,
        "Conv": ConvOps.conv,
        "MaxPool": ConvOps.maxPool,
        "Resize": ResizeOps.resize,
        "Upsample": ResizeOps.resize,
        "Relu": ElementwiseOps.unary,
        "Sigmoid": ElementwiseOps.unary,
        "Tanh": ElementwiseOps.unary,
        "Clip": ElementwiseOps.unary,
        "LeakyRelu": ElementwiseOps.unary,
        "Neg": ElementwiseOps.unary,
        "Abs": ElementwiseOps.unary,
        "Sqrt": ElementwiseOps.unary,
        "Exp": ElementwiseOps.unary,
        "Reciprocal": ElementwiseOps.unary,
        "Floor": ElementwiseOps.unary,
        "Ceil": ElementwiseOps.unary,
        "Add": ElementwiseOps.binary,
        "Sub": ElementwiseOps.binary,
        "Mul": ElementwiseOps.binary,
        "Div": ElementwiseOps.binary,
        "Pow": ElementwiseOps.binary,
        "Min": ElementwiseOps.binary,
        "Max": ElementwiseOps.binary,
        "Sum": ElementwiseOps.binary,
    ]

    /// Op types this engine can plan.
    public static var supported: [String] { handlers.keys.sorted() }

    static func plan(_ c: NodeContext) throws -> NodeResult {
        guard c.node.domain.isEmpty, let handler = handlers[c.op] else {
            throw RuntimeError.unsupportedOperator(op: c.op, domain: c.node.domain, node: c.name, opset: c.opset, detail: nil)
        }
        return try handler(c)
    }
}
