import ONNXFormat

extension TFLiteModel {
    /// Reads a `.tflite` file and translates it into the engine's graph (see ``onnxModel()``).
    public static func loadGraph(path: String) throws -> ONNXModel {
        try load(path: path).onnxModel()
    }

    /// Translates the graph into the engine's IR (ONNX opset 13 nodes), so the planner and kernels run it unchanged.
    ///
    /// - Images change layout: a 4-D graph input is declared NCHW (`[N, C, H, W]` for TFLite's `[N, H, W, C]`); the
    ///   4-D values inside stay NCHW, with a `Transpose` only where an op needs TFLite's own order (RESHAPE, a
    ///   concatenation of mixed values); graph outputs have TFLite's shapes and order.
    /// - Weights are transposed to OIHW; DEPTHWISE_CONV_2D becomes a grouped `Conv`; SAME padding becomes explicit
    ///   pads (the extra pixel after, as TFLite does); fused activations become `Relu` / `Clip` / `Tanh` nodes that
    ///   the planner fuses back; DEQUANTIZE of a float16 constant is folded into a float32 initializer.
    /// - Any other operator is refused with ``TFLiteError/unsupportedOperator(name:code:operatorIndex:)``.
    public func onnxModel() throws -> ONNXModel {
        var t = Translator(model: self)
        return try t.translate()
    }
}

private enum Layout { case nchw, native }

private struct Translator {
    let model: TFLiteModel
    var nodes: [ONNXNode] = []
    var initializers: [ONNXTensor] = []
    /// Values already in the IR: name and layout, per TFLite tensor.
    var values: [Int: (name: String, layout: Layout)] = [:]
    /// Constants produced at load (DEQUANTIZE), per TFLite tensor.
    var folded: [Int: [Float]] = [:]
    var counter = 0
    var names: [String] = []

    /// The graph outputs' names (TFLite's); inside the graph those tensors carry an internal name.
    var outputNames: [Int: String] = [:]

    /// Elements written into initializers so far, and the most allowed: a constant used by many operators is
    /// copied for each, so a small file repeating one large constant could otherwise ask for gigabytes.
    var initializerElements = 0
    let initializerLimit: Int

    init(model: TFLiteModel) {
        self.model = model
        initializerLimit = 4 * model.buffers.reduce(0) { $0 + $1.count } + (1 << 20)
        var seen: [String: Int] = [:]
        names = model.tensors.enumerated().map { k, t in
            seen[t.name, default: 0] += 1
            return seen[t.name]! > 1 ? "\(t.name)#\(k)" : t.name
        }
        for i in model.outputs where !model.inputs.contains(i) {
            outputNames[i] = names[i]
            names[i] += "__value"
        }
    }

    mutating func fresh(_ base: String) -> String {
        counter += 1
        return "\(base)__\(counter)"
    }

    func shape(_ i: Int) -> [Int] { model.tensors[i].shape }

    /// The number of elements of a shape; refused when it overflows or exceeds 2³¹ − 1 (no file holds more).
    func elementCount(_ s: [Int], _ what: @autoclosure () -> String) throws -> Int {
        var n = 1
        for d in s {
            let (product, overflow) = n.multipliedReportingOverflow(by: d)
            guard !overflow, product <= Int(Int32.max) else { throw TFLiteError.invalidModel("\(what()) has shape \(s): too many elements") }
            n = product
        }
        return n
    }

    /// A constant tensor's values as Float: from its buffer (float32, float16, int32) or folded at load.
    func constant(_ i: Int) throws -> [Float]? {
        if let f = folded[i] { return f }
        let t = model.tensors[i]
        let data = model.buffers.indices.contains(t.buffer) ? model.buffers[t.buffer] : []
        guard !data.isEmpty else { return nil }
        let n = try elementCount(t.shape, "tensor \(t.name)")
        let width: Int
        switch t.type {
        case .float32, .int32: width = 4
        case .float16: width = 2
        default: throw TFLiteError.unsupportedTensorType(tensor: t.name, type: t.type?.description ?? "code \(t.typeCode)")
        }
        guard data.count >= n * width else {
            throw TFLiteError.truncated(what: "tensor \(t.name) data", needed: n * width, size: data.count)
        }
        return data.withUnsafeBytes { raw in
            (0..<n).map { k -> Float in
                switch t.type {
                case .float32: return Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * k, as: UInt32.self)))
                case .float16: return Float(Float16(bitPattern: UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * k, as: UInt16.self))))
                default: return Float(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * k, as: Int32.self)))
                }
            }
        }
    }

    func requireConstant(_ i: Int, _ what: String) throws -> [Float] {
        guard let c = try constant(i) else { throw TFLiteError.invalidModel("\(what) (\(model.tensors[i].name)) is not a constant") }
        return c
    }

    mutating func addInitializer(_ base: String, _ dims: [Int], _ values: [Float]) throws -> String {
        initializerElements += values.count
        guard initializerElements <= initializerLimit else {
            throw TFLiteError.invalidModel("constants copied into the graph exceed \(initializerLimit) elements")
        }
        let name = fresh(base)
        initializers.append(ONNXTensor(name: name, dataType: .float, dims: dims, payload: .floats(values)))
        return name
    }

    mutating func addInts(_ base: String, _ values: [Int]) -> String {
        let name = fresh(base)
        initializers.append(ONNXTensor(name: name, dataType: .int64, dims: [values.count], payload: .int64s(values.map(Int64.init))))
        return name
    }

    mutating func node(_ op: String, _ inputs: [String], _ output: String, _ attributes: [String: ONNXAttribute] = [:]) {
        nodes.append(ONNXNode(name: output, opType: op, inputs: inputs, outputs: [output], attributes: attributes))
    }

    /// The IR value of a TFLite tensor in the layout asked for (a Transpose is inserted for 4-D values in the other
    /// layout; constants are written out in that layout).
    mutating func value(_ i: Int, _ layout: Layout) throws -> String {
        let s = shape(i)
        if let v = values[i] {
            if v.layout == layout || s.count != 4 { return v.name }
            let out = fresh(names[i] + (layout == .nchw ? "_nchw" : "_nhwc"))
            node("Transpose", [v.name], out, ["perm": .ints(layout == .nchw ? [0, 3, 1, 2] : [0, 2, 3, 1])])
            values[i] = (out, layout)   // later uses in this layout reuse it
            return out
        }
        guard let c = try constant(i) else { throw TFLiteError.invalidModel("tensor \(model.tensors[i].name) is used before it is computed") }
        if s.count == 4, layout == .nchw {
            return try addInitializer(names[i], [s[0], s[3], s[1], s[2]], try transpose(c, s, [0, 3, 1, 2]))
        }
        return try addInitializer(names[i], s, c)
    }

    /// `v` (shape `s`, row-major) with its axes permuted; refused unless `v` has exactly the shape's element count.
    func transpose(_ v: [Float], _ s: [Int], _ perm: [Int]) throws -> [Float] {
        guard perm.count == s.count, try elementCount(s, "a constant") == v.count else {
            throw TFLiteError.invalidModel("a constant of \(v.count) values does not have its declared shape \(s)")
        }
        let outShape = perm.map { s[$0] }
        var strides = [Int](repeating: 1, count: s.count)
        for d in stride(from: s.count - 2, through: 0, by: -1) { strides[d] = strides[d + 1] * s[d + 1] }
        var out = [Float](repeating: 0, count: v.count)
        var coord = [Int](repeating: 0, count: s.count)
        for k in 0..<v.count {
            var src = 0
            for d in 0..<s.count { src += coord[d] * strides[perm[d]] }
            out[k] = v[src]
            var d = s.count - 1
            while d >= 0 { coord[d] += 1; if coord[d] < outShape[d] { break }; coord[d] = 0; d -= 1 }
        }
        return out
    }

    /// TFLite's padding rule: SAME pads `max((ceil(in/stride) − 1)·stride + (k − 1)·dilation + 1 − in, 0)`,
    /// the smaller half before; VALID pads nothing.
    func pads(_ padding: Int, input: [Int], kernel: (Int, Int), stride: (Int, Int), dilation: (Int, Int)) -> [Int64] {
        guard padding == 0 else { return [0, 0, 0, 0] }   // 1 = VALID
        func one(_ n: Int, _ k: Int, _ s: Int, _ d: Int) -> (Int, Int) {
            let out = (n + s - 1) / s
            let total = max((out - 1) * s + (k - 1) * d + 1 - n, 0)
            return (total / 2, total - total / 2)
        }
        let h = one(input[1], kernel.0, stride.0, dilation.0), w = one(input[2], kernel.1, stride.1, dilation.1)
        return [Int64(h.0), Int64(w.0), Int64(h.1), Int64(w.1)]
    }

    /// Refuses a window the padding rule cannot use: kernel sizes, strides and dilations must be at least 1.
    func checkWindow(kernel: (Int, Int), stride: (Int, Int), dilation: (Int, Int), op: Int) throws {
        guard kernel.0 >= 1, kernel.1 >= 1, stride.0 >= 1, stride.1 >= 1, dilation.0 >= 1, dilation.1 >= 1,
              kernel.0 <= 1 << 16, kernel.1 <= 1 << 16, stride.0 <= 1 << 16, stride.1 <= 1 << 16,
              dilation.0 <= 1 << 16, dilation.1 <= 1 << 16 else {
            throw TFLiteError.invalidModel("operator \(op): kernel \(kernel), stride \(stride), dilation \(dilation)")
        }
    }

    /// Emits the fused activation after `pre` into the op's output tensor.
    mutating func activation(_ code: Int, _ pre: String, output: Int, layout: Layout, op: Int) throws {
        let out = names[output]
        switch code {
        case 0: node("Identity", [pre], out)
        case 1: node("Relu", [pre], out)
        case 2: node("Clip", [pre, try addInitializer("min", [], [-1]), try addInitializer("max", [], [1])], out)
        case 3: node("Clip", [pre, try addInitializer("min", [], [0]), try addInitializer("max", [], [6])], out)
        case 4: node("Tanh", [pre], out)
        default: throw TFLiteError.invalidModel("operator \(op): fused activation \(code) is not supported")
        }
        values[output] = (out, layout)
    }

    /// The output name an op writes before its fused activation (its final name when there is none).
    mutating func preActivation(_ code: Int, _ output: Int) -> String {
        code == 0 ? names[output] : fresh(names[output] + "_pre")
    }

    mutating func finish(_ code: Int, _ pre: String, output: Int, layout: Layout, op: Int) throws {
        if code == 0 { values[output] = (pre, layout) } else { try activation(code, pre, output: output, layout: layout, op: op) }
    }

    mutating func translate() throws -> ONNXModel {
        var inputs: [ONNXValueInfo] = []
        for i in model.inputs {
            let s = shape(i)
            guard model.tensors[i].type == .float32 else {
                throw TFLiteError.unsupportedTensorType(tensor: model.tensors[i].name, type: model.tensors[i].type?.description ?? "?")
            }
            let declared = s.count == 4 ? [s[0], s[3], s[1], s[2]] : s
            inputs.append(ONNXValueInfo(name: names[i], elementType: .float, shape: declared.map { .fixed($0) }))
            values[i] = (names[i], s.count == 4 ? .nchw : .native)
        }
        for (k, op) in model.operators.enumerated() {
            try translate(op, index: k)
        }
        var outputs: [ONNXValueInfo] = []
        for i in model.outputs {
            let out = outputNames[i] ?? fresh(names[i])
            guard let v = values[i] else { throw TFLiteError.invalidModel("output \(names[i]) is never computed") }
            if v.layout == .nchw && shape(i).count == 4 {
                node("Transpose", [v.name], out, ["perm": .ints([0, 2, 3, 1])])
            } else {
                node("Identity", [v.name], out)
            }
            outputs.append(ONNXValueInfo(name: out, elementType: .float, shape: shape(i).map { .fixed($0) }))
        }
        let graph = ONNXGraph(name: "tflite", nodes: nodes, initializers: initializers, inputs: inputs, outputs: outputs)
        return ONNXModel(irVersion: 8, opsetImports: ["": 13], producerName: "tflite",
                         producerVersion: String(model.version), graph: graph)
    }

    mutating func translate(_ op: TFLiteModel.Operator, index k: Int) throws {
        func input(_ n: Int) throws -> Int {
            guard op.inputs.count > n, op.inputs[n] >= 0 else { throw TFLiteError.invalidModel("operator \(k) lacks input \(n)") }
            return op.inputs[n]
        }
        guard let output = op.outputs.first else { throw TFLiteError.invalidModel("operator \(k) has no output") }
        let o = op.options
        switch op.builtinCode {
        case BuiltinOperator.dequantize:
            let x = try input(0)
            guard let c = try constant(x) else {
                throw TFLiteError.invalidModel("operator \(k): DEQUANTIZE of a computed tensor is not supported")
            }
            guard model.tensors[x].type == .float16 || model.tensors[x].type == .float32 else {
                throw TFLiteError.unsupportedTensorType(tensor: model.tensors[x].name, type: model.tensors[x].type?.description ?? "?")
            }
            guard try elementCount(shape(output), "DEQUANTIZE output") == c.count else {
                throw TFLiteError.invalidModel("operator \(k): DEQUANTIZE of \(c.count) values into shape \(shape(output))")
            }
            folded[output] = c

        case BuiltinOperator.conv2D, BuiltinOperator.depthwiseConv2D:
            let depthwise = op.builtinCode == BuiltinOperator.depthwiseConv2D
            let x = try input(0), w = try input(1)
            let xs = shape(x), ws = shape(w)
            guard xs.count == 4, ws.count == 4 else { throw TFLiteError.invalidModel("operator \(k): convolution needs 4-D input and weights") }
            let weights = try requireConstant(w, "operator \(k) weights")
            // Conv2DOptions: padding 0, stride_w 1, stride_h 2, activation 3, dilation_w 4, dilation_h 5.
            // DepthwiseConv2DOptions: padding 0, stride_w 1, stride_h 2, depth_multiplier 3, activation 4, dilations 5, 6.
            let act = o[depthwise ? 4 : 3] ?? 0
            let stride = (o[2] ?? 1, o[1] ?? 1)
            let dilation = depthwise ? (o[6] ?? 1, o[5] ?? 1) : (o[5] ?? 1, o[4] ?? 1)
            let kernel = (ws[1], ws[2])
            try checkWindow(kernel: kernel, stride: stride, dilation: dilation, op: k)
            let oihw: [Float], dims: [Int], group: Int
            if depthwise {   // [1, KH, KW, C·M] → [C·M, 1, KH, KW], one group per input channel
                oihw = try transpose(weights, ws, [3, 0, 1, 2]); dims = [ws[3], 1, ws[1], ws[2]]; group = xs[3]
            } else {         // [O, KH, KW, I] → [O, I, KH, KW]
                oihw = try transpose(weights, ws, [0, 3, 1, 2]); dims = [ws[0], ws[3], ws[1], ws[2]]; group = 1
                guard ws[3] == xs[3] else { throw TFLiteError.invalidModel("operator \(k): \(ws[3]) weight channels for \(xs[3]) inputs") }
            }
            var ins = [try value(x, .nchw), try addInitializer(names[w], dims, oihw)]
            if op.inputs.count > 2, op.inputs[2] >= 0 {
                let bias = try requireConstant(op.inputs[2], "operator \(k) bias")
                guard bias.count == dims[0] else { throw TFLiteError.invalidModel("operator \(k): \(bias.count) biases for \(dims[0]) outputs") }
                ins.append(try addInitializer(names[op.inputs[2]], [dims[0]], bias))
            }
            let pre = preActivation(act, output)
            node("Conv", ins, pre, [
                "kernel_shape": .ints([Int64(kernel.0), Int64(kernel.1)]),
                "strides": .ints([Int64(stride.0), Int64(stride.1)]),
                "dilations": .ints([Int64(dilation.0), Int64(dilation.1)]),
                "pads": .ints(pads(o[0] ?? 0, input: xs, kernel: kernel, stride: stride, dilation: dilation)),
                "group": .int(Int64(group)),
            ])
            try finish(act, pre, output: output, layout: .nchw, op: k)

        case BuiltinOperator.maxPool2D, BuiltinOperator.averagePool2D:
            let x = try input(0)
            let xs = shape(x)
            guard xs.count == 4 else { throw TFLiteError.invalidModel("operator \(k): pooling needs a 4-D input") }
            // Pool2DOptions: padding 0, stride_w 1, stride_h 2, filter_width 3, filter_height 4, activation 5.
            let act = o[5] ?? 0
            let kernel = (o[4] ?? 1, o[3] ?? 1), stride = (o[2] ?? 1, o[1] ?? 1)
            try checkWindow(kernel: kernel, stride: stride, dilation: (1, 1), op: k)
            let pre = preActivation(act, output)
            var attrs: [String: ONNXAttribute] = [
                "kernel_shape": .ints([Int64(kernel.0), Int64(kernel.1)]),
                "strides": .ints([Int64(stride.0), Int64(stride.1)]),
                "pads": .ints(pads(o[0] ?? 0, input: xs, kernel: kernel, stride: stride, dilation: (1, 1))),
            ]
            let isMax = op.builtinCode == BuiltinOperator.maxPool2D
            if !isMax { attrs["count_include_pad"] = .int(0) }
            node(isMax ? "MaxPool" : "AveragePool", [try value(x, .nchw)], pre, attrs)
            try finish(act, pre, output: output, layout: .nchw, op: k)

        case BuiltinOperator.add:
            let a = try input(0), b = try input(1)
            let act = o[0] ?? 0
            let rank = max(shape(a).count, shape(b).count)
            let layout: Layout = rank == 4 ? .nchw : .native
            let pre = preActivation(act, output)
            node("Add", [try broadcastOperand(a, rank: rank, layout), try broadcastOperand(b, rank: rank, layout)], pre)
            try finish(act, pre, output: output, layout: layout, op: k)

        case BuiltinOperator.relu, BuiltinOperator.relu6, BuiltinOperator.reluN1To1, BuiltinOperator.tanh, BuiltinOperator.logistic:
            let x = try input(0)
            let layout = values[x]?.layout ?? .nchw
            let xin = try value(x, layout)
            switch op.builtinCode {
            case BuiltinOperator.logistic: node("Sigmoid", [xin], names[output]); values[output] = (names[output], layout)
            case BuiltinOperator.relu: try activation(1, xin, output: output, layout: layout, op: k)
            case BuiltinOperator.reluN1To1: try activation(2, xin, output: output, layout: layout, op: k)
            case BuiltinOperator.relu6: try activation(3, xin, output: output, layout: layout, op: k)
            default: try activation(4, xin, output: output, layout: layout, op: k)
            }

        case BuiltinOperator.prelu:
            let x = try input(0), alpha = try input(1)
            let xs = shape(x)
            let slope = try requireConstant(alpha, "operator \(k) PRELU alpha")
            var s = shape(alpha)
            let layout: Layout = xs.count == 4 ? .nchw : .native
            let slopeName: String
            if xs.count == 4 {
                while s.count < 4 { s.insert(1, at: 0) }
                slopeName = try addInitializer(names[alpha], [s[0], s[3], s[1], s[2]], try transpose(slope, s, [0, 3, 1, 2]))
            } else {
                slopeName = try addInitializer(names[alpha], s, slope)
            }
            node("PRelu", [try value(x, layout), slopeName], names[output])
            values[output] = (names[output], layout)

        case BuiltinOperator.pad:
            let x = try input(0), p = try input(1)
            let xs = shape(x)
            let paddings = try requireConstant(p, "operator \(k) paddings").map { v -> Int in
                guard v.isFinite, abs(v) <= Float(1 << 24) else { throw TFLiteError.invalidModel("operator \(k): padding \(v)") }
                return Int(v)
            }
            guard paddings.count == 2 * xs.count else { throw TFLiteError.invalidModel("operator \(k): \(paddings.count) paddings for rank \(xs.count)") }
            let order = xs.count == 4 ? [0, 3, 1, 2] : Array(0..<xs.count)
            let before = order.map { paddings[2 * $0] }, after = order.map { paddings[2 * $0 + 1] }
            let layout: Layout = xs.count == 4 ? .nchw : .native
            node("Pad", [try value(x, layout), addInts(names[p], before + after)], names[output], ["mode": .string("constant")])
            values[output] = (names[output], layout)

        case BuiltinOperator.reshape:
            let x = try input(0)
            let target = shape(output)
            node("Reshape", [try value(x, .native), addInts(names[output] + "_shape", target)], names[output])
            values[output] = (names[output], .native)

        case BuiltinOperator.concatenation:
            let parts = op.inputs.filter { $0 >= 0 }
            let rank = shape(output).count
            // ConcatenationOptions: axis 0, activation 1.
            var axis = o[0] ?? 0
            if axis < 0 { axis += rank }
            guard (0..<rank).contains(axis) else { throw TFLiteError.invalidModel("operator \(k): axis \(axis) for rank \(rank)") }
            let act = o[1] ?? 0
            let layout: Layout = rank == 4 && parts.allSatisfy({ values[$0]?.layout != .native }) ? .nchw : .native
            let irAxis = layout == .nchw ? [0, 2, 3, 1][axis] : axis
            var ins: [String] = []
            for i in parts { ins.append(try value(i, layout)) }
            let pre = preActivation(act, output)
            node("Concat", ins, pre, ["axis": .int(Int64(irAxis))])
            try finish(act, pre, output: output, layout: layout, op: k)

        default:
            let name = op.builtinCode == -1 ? "CUSTOM \(op.customCode ?? "?")" : BuiltinOperator.name(op.builtinCode)
            throw TFLiteError.unsupportedOperator(name: name, code: op.builtinCode, operatorIndex: k)
        }
    }

    /// An operand of an element-wise op at the op's rank and layout: computed values as they are, constants
    /// reshaped with TFLite's (NumPy's) broadcasting rule and, for 4-D, moved to NCHW.
    mutating func broadcastOperand(_ i: Int, rank: Int, _ layout: Layout) throws -> String {
        if values[i] != nil { return try value(i, layout) }
        var s = shape(i)
        let c = try requireConstant(i, "element-wise operand")
        if s.isEmpty || layout == .native { return try addInitializer(names[i], s, c) }
        while s.count < rank { s.insert(1, at: 0) }
        return try addInitializer(names[i], [s[0], s[3], s[1], s[2]], try transpose(c, s, [0, 3, 1, 2]))
    }
}
