import NNTensor

/// Ops that move or repeat elements: Transpose, Split, Tile, Expand, Pad, ConstantOfShape, DepthToSpace.
enum LayoutOps {
    /// Elements of `t` gathered at `indices` (−1 gives `fill`).
    static func gather(_ t: Tensor, _ indices: [Int], shape: [Int], fill: Double = 0) -> Tensor {
        switch t.storage {
        case .float(let v): return Tensor(shape: shape, values: indices.map { $0 < 0 ? Float(fill) : v[$0] }, dtype: t.dtype)
        case .int(let v): return Tensor(shape: shape, integers: indices.map { $0 < 0 ? Int64(fill) : v[$0] }, dtype: t.dtype)
        }
    }

    /// For each element of `outShape`, the source index given by `source(outCoordinates)`.
    static func indexMap(_ outShape: [Int], _ source: ([Int]) -> Int) -> [Int] {
        let n = outShape.reduce(1, *)
        var out = [Int](repeating: 0, count: n)
        var coord = [Int](repeating: 0, count: outShape.count)
        for i in 0..<n {
            out[i] = source(coord)
            var d = outShape.count - 1
            while d >= 0 { coord[d] += 1; if coord[d] < outShape[d] { break }; coord[d] = 0; d -= 1 }
        }
        return out
    }

    static func transpose(_ c: NodeContext) throws -> NodeResult {
        let x = try c.input(0)
        let rank = x.shape.count
        let perm = c.ints("perm") ?? Array((0..<rank).reversed())
        guard perm.count == rank, Set(perm) == Set(0..<rank) else { throw c.invalid("perm \(perm) for rank \(rank)") }
        let outShape = perm.map { x.shape[$0] }
        let strides = Tensor.contiguousStrides(x.shape)
        if x.constant == nil, let element = x.dtype.arenaElement {
            let copy = StridedCopy(transposing: x.shape, perm: perm)
            return .runtime(outputs: [(outShape, x.dtype)], op: PlannedOp("Transpose") { StridedCopyKernel(copy, element: element) })
        }
        return try TensorFunction(infer: { _ in [(outShape, x.dtype)] }) { args in
            let idx = indexMap(outShape) { coord in (0..<rank).reduce(0) { $0 + coord[$1] * strides[perm[$1]] } }
            return [gather(args[0]!, idx, shape: outShape)]
        }.plan(c)
    }

    static func split(_ c: NodeContext) throws -> NodeResult {
        let x = try c.input(0)
        let rank = x.shape.count
        guard let axis = TensorIndex.axis(c.int("axis", default: 0), rank: rank) else { throw c.invalid("axis out of range") }
        let outputs = c.node.outputs.count
        var sizes: [Int]
        if c.opset >= 13, c.optionalInput(1) != nil {
            sizes = try c.constantInput(1).integers.map { Int($0) }
        } else if let s = c.ints("split") {
            sizes = s
        } else {
            let n = x.shape[axis]
            let parts = c.int("num_outputs") ?? outputs
            let chunk = (n + parts - 1) / parts
            sizes = (0..<parts).map { Swift.max(0, Swift.min(chunk, n - $0 * chunk)) }
        }
        guard sizes.reduce(0, +) == x.shape[axis], sizes.count == outputs else {
            throw c.invalid("split sizes \(sizes) for dimension \(x.shape[axis]) and \(outputs) outputs")
        }
        let shapes = sizes.map { s -> [Int] in var sh = x.shape; sh[axis] = s; return sh }
        let strides = Tensor.contiguousStrides(x.shape)
        return try TensorFunction(infer: { _ in shapes.map { ($0, x.dtype) } }) { args in
            var start = 0
            return zip(sizes, shapes).map { size, shape in
                let s0 = start
                start += size
                let idx = indexMap(shape) { coord in (0..<rank).reduce(0) { $0 + (coord[$1] + ($1 == axis ? s0 : 0)) * strides[$1] } }
                return gather(args[0]!, idx, shape: shape)
            }
        }.plan(c)
    }

    static func tile(_ c: NodeContext) throws -> NodeResult {
        let x = try c.input(0)
        let repeats = try c.constantInput(1).integers.map { Int($0) }
        guard repeats.count == x.shape.count, repeats.allSatisfy({ $0 >= 0 }) else { throw c.invalid("repeats \(repeats)") }
        let outShape = zip(x.shape, repeats).map { $0 * $1 }
        let strides = Tensor.contiguousStrides(x.shape)
        if x.constant == nil, let element = x.dtype.arenaElement {
            // The output read as [r₀, n₀, r₁, n₁, …]: each repeat reads the whole input axis again.
            let copy = StridedCopy(shape: zip(repeats, x.shape).flatMap { [$0, $1] }, strides: strides.flatMap { [0, $0] })
            return .runtime(outputs: [(outShape, x.dtype)], op: PlannedOp("Tile") { StridedCopyKernel(copy, element: element) })
        }
        return try TensorFunction(infer: { _ in [(outShape, x.dtype)] }) { args in
            let idx = indexMap(outShape) { coord in (0..<coord.count).reduce(0) { $0 + (coord[$1] % x.shape[$1]) * strides[$1] } }
            return [gather(args[0]!, idx, shape: outShape)]
        }.plan(c)
    }

    static func expand(_ c: NodeContext) throws -> NodeResult {
        let x = try c.input(0)
        let target = try c.constantInput(1).integers.map { Int($0) }
        guard let outShape = Elementwise.broadcastShape(x.shape, target) else { throw c.invalid("\(x.shape) does not expand to \(target)") }
        if x.constant == nil, let element = x.dtype.arenaElement {
            let copy = StridedCopy(shape: outShape, strides: Elementwise.broadcastStrides(x.shape, to: outShape))
            return .runtime(outputs: [(outShape, x.dtype)], op: PlannedOp("Expand") { StridedCopyKernel(copy, element: element) })
        }
        return try TensorFunction(infer: { _ in [(outShape, x.dtype)] }) { args in
            [gather(args[0]!, TensorIndex.broadcastIndices(args[0]!.shape, to: outShape), shape: outShape)]
        }.plan(c)
    }

    static func constantOfShape(_ c: NodeContext) throws -> NodeResult {
        let shape = try c.constantInput(0).integers.map { Int($0) }
        guard shape.allSatisfy({ $0 >= 0 }) else { throw c.invalid("shape \(shape)") }
        let value = c.tensor("value").map { Tensor(onnx: $0) } ?? Tensor(shape: [1], values: [0])
        let n = shape.reduce(1, *)
        let out: Tensor
        switch value.storage {
        case .float(let v): out = Tensor(shape: shape, values: [Float](repeating: v.first ?? 0, count: n), dtype: value.dtype)
        case .int(let v): out = Tensor(shape: shape, integers: [Int64](repeating: v.first ?? 0, count: n), dtype: value.dtype)
        }
        return .constants([out])
    }

    /// Pad: constant, reflect, edge and wrap modes; pads as an attribute (before opset 11) or input 1, with the
    /// constant as input 2 and (from opset 18) the axes as input 3.
    static func pad(_ c: NodeContext) throws -> NodeResult {
        let x = try c.input(0)
        let rank = x.shape.count
        var pads: [Int], value = 0.0
        if c.opset >= 11 {
            pads = try c.constantInput(1).integers.map { Int($0) }
            if c.optionalInput(2) != nil { value = TensorIndex.doubles(try c.constantInput(2)).first ?? 0 }
        } else {
            pads = c.ints("pads") ?? []
            value = Double(c.float("value") ?? 0)
        }
        var axes = Array(0..<rank)
        if c.opset >= 18, c.optionalInput(3) != nil {
            axes = try c.constantInput(3).integers.map { a in
                guard let r = TensorIndex.axis(Int(a), rank: rank) else { throw c.invalid("axis \(a)") }
                return r
            }
        }
        guard pads.count == 2 * axes.count else { throw c.invalid("\(pads.count) pads for \(axes.count) axes") }
        var before = [Int](repeating: 0, count: rank), after = before
        for (k, a) in axes.enumerated() { before[a] = pads[k]; after[a] = pads[k + axes.count] }
        let outShape = (0..<rank).map { x.shape[$0] + before[$0] + after[$0] }
        guard outShape.allSatisfy({ $0 >= 0 }) else { throw c.invalid("pads \(pads) shrink below zero") }
        let mode = c.string("mode") ?? "constant"
        guard ["constant", "reflect", "edge", "wrap"].contains(mode) else { throw c.unsupported("mode \(mode)") }
        if mode == "reflect", zip(before, after).enumerated().contains(where: { ($0.element.0 > 0 || $0.element.1 > 0) && x.shape[$0.offset] < 2 }) {
            throw c.unsupported("reflect padding of a dimension shorter than 2")
        }
        let strides = Tensor.contiguousStrides(x.shape)
        return try TensorFunction(infer: { _ in [(outShape, x.dtype)] }) { args in
            let idx = indexMap(outShape) { coord in
                var offset = 0
                for d in 0..<rank {
                    var i = coord[d] - before[d]
                    let n = x.shape[d]
                    if i < 0 || i >= n {
                        switch mode {
                        case "edge": i = Swift.min(Swift.max(i, 0), n - 1)
                        case "wrap": i = ((i % n) + n) % n
                        case "reflect":
                            let period = 2 * (n - 1)
                            i = ((i % period) + period) % period
                            if i >= n { i = period - i }
                        default: return -1
                        }
                    }
                    offset += i * strides[d]
                }
                return offset
            }
            return [gather(args[0]!, idx, shape: outShape, fill: value)]
        }.plan(c)
    }

    static func depthToSpace(_ c: NodeContext) throws -> NodeResult {
        let x = try c.input(0)
        guard x.shape.count == 4, let b = c.int("blocksize"), b > 0, x.shape[1] % (b * b) == 0 else {
            throw c.invalid("needs NCHW input and a blocksize dividing the channels")
        }
        let crd = (c.string("mode") ?? "DCR") == "CRD"
        let (n, ch, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let oc = ch / (b * b)
        let outShape = [n, oc, h * b, w * b]
        return try TensorFunction(infer: { _ in [(outShape, x.dtype)] }) { args in
            let idx = indexMap(outShape) { q in
                let (i, co, y, xx) = (q[0], q[1], q[2], q[3])
                let by = y % b, bx = xx % b
                let src = crd ? co * b * b + by * b + bx : (by * b + bx) * oc + co
                return ((i * ch + src) * h + y / b) * w + xx / b
            }
            return [gather(args[0]!, idx, shape: outShape)]
        }.plan(c)
    }
}

/// Transpose, Expand and Tile at run time: one strided copy (``StridedCopy``) for any element type.
final class StridedCopyKernel: ElementTypedKernel {
    let copy: StridedCopy, element: ArenaElement
    init(_ copy: StridedCopy, element: ArenaElement) { self.copy = copy; self.element = element }

    func run<T: ArenaScalar>(_: T.Type, _ io: KernelIO) {
        copy.run(io.input(0, as: T.self), io.output(0, as: T.self), threads: io.threads)
    }
}
