import NNTensor
import ONNXFormat

/// Chains of moves that keep the last axis whole — constant zero Pad, Slice, Gather of constant indices, Concat
/// of slices of one value (a cyclic roll as `torch.roll` exports it), Transpose keeping the last axis last, Reshapes keeping the last
/// dimension — composed at plan time into one table of source rows per value (``RowGather``): Swin's window
/// padding, shift and partition become a single copy from the LayerNorm's output to the attention's input.
/// A move is rewritten when it reads through another move, is a Pad (otherwise a slow generic op) or a Concat
/// of one value's slices; the moves it read through then have no readers and are removed. A Transpose or
/// Slice of a plain value is left to its own kernel unless a later move reads through it. Returns the steps rewritten.
package struct RowGatherFusion: PlanPass {
    package init() {}

    /// Output rows → rows of `source` (−1: zeros), rows of `length` floats. A nil table is the identity.
    struct RowMap {
        let source: String
        let table: [Int32]?
        let length: Int

        func row(_ r: Int) -> Int32 { table?[r] ?? Int32(r) }
    }

    static let views: Set<String> = ["Reshape", "Squeeze", "Unsqueeze", "Flatten", "Identity"]

    package func run(on graph: PlanGraph) throws -> Int {
        var maps: [String: RowMap] = [:]
        var rewritten = 0
        for step in graph.steps {
            guard step.residual == nil, step.inputSegments == nil, step.node.outputs.count == 1, let y = step.outputs.first,
                  let out = graph.states[y], out.dtype == .float32, out.constant == nil, let length = out.shape.last, length > 0,
                  let x = step.node.inputs.first, let xs = graph.states[x], xs.constant == nil, xs.dtype == .float32,
                  xs.shape.last == length else { continue }
            let op = step.op.opType
            let outRows = out.shape.dropLast().reduce(1, *)
            // How each of the step's own inputs reaches its source.
            func incoming(_ name: String) -> RowMap { maps[name] ?? RowMap(source: name, table: nil, length: length) }
            var table: [Int32]
            var source: String
            var composes = false
            switch op {
            case _ where Self.views.contains(op):
                let m = incoming(x)
                maps[y] = m
                guard m.source != x else { continue }   // a plain view: ReshapeAliasing makes it free
                table = m.table ?? (0..<outRows).map { Int32($0) }
                source = m.source
                composes = true
            case "Transpose":
                let rank = xs.shape.count
                guard let perm = step.transposePermutation(rank: rank), perm.last == rank - 1 else { continue }
                let m = incoming(x)
                let lead = Array(xs.shape.dropLast())
                let strides = Tensor.contiguousStrides(lead)
                table = Self.mapped(Array(out.shape.dropLast())) { o in
                    var r = 0
                    for d in 0..<(rank - 1) { r += o[d] * strides[perm[d]] }
                    return m.row(r)
                }
                source = m.source
                composes = m.source != x
            case "Pad":
                guard let (before, after) = Self.zeroPads(step, graph, rank: xs.shape.count), before.last == 0, after.last == 0 else { continue }
                let m = incoming(x)
                let lead = Array(xs.shape.dropLast()), strides = Tensor.contiguousStrides(lead)
                table = Self.mapped(Array(out.shape.dropLast())) { o in
                    var r = 0
                    for d in lead.indices {
                        let i = o[d] - before[d]
                        if i < 0 || i >= lead[d] { return -1 }
                        r += i * strides[d]
                    }
                    return m.row(r)
                }
                source = m.source
                composes = m.source != x
            case "Slice":
                guard let (begin, stepBy) = Self.slice(step, graph, shape: xs.shape), begin.last == 0, stepBy.last == 1 else { continue }
                let m = incoming(x)
                let lead = Array(xs.shape.dropLast()), strides = Tensor.contiguousStrides(lead)
                table = Self.mapped(Array(out.shape.dropLast())) { o in
                    var r = 0
                    for d in lead.indices { r += (begin[d] + o[d] * stepBy[d]) * strides[d] }
                    return m.row(r)
                }
                source = m.source
                composes = m.source != x
            case "Gather":
                let rank = xs.shape.count
                var axis = 0
                if case .int(let a)? = step.node.attributes["axis"] { axis = Int(a) < 0 ? Int(a) + rank : Int(a) }
                guard axis < rank - 1, step.node.inputs.count == 2, let ic = graph.states[step.node.inputs[1]]?.constant,
                      !ic.dtype.isFloatingPoint else { continue }
                let n = xs.shape[axis]
                let indices = ic.integers.map { Int($0) < 0 ? Int($0) + n : Int($0) }
                guard indices.allSatisfy({ (0..<n).contains($0) }) else { continue }
                let m = incoming(x)
                let strides = Tensor.contiguousStrides(Array(xs.shape.dropLast()))
                let indexRank = ic.shape.count, indexStrides = Tensor.contiguousStrides(ic.shape)
                table = Self.mapped(Array(out.shape.dropLast())) { o in
                    var r = 0
                    for d in 0..<axis { r += o[d] * strides[d] }
                    var flat = 0
                    for d in 0..<indexRank { flat += o[axis + d] * indexStrides[d] }
                    r += indices[flat] * strides[axis]
                    for d in (axis + 1)..<(rank - 1) { r += o[d + indexRank - 1] * strides[d] }
                    return m.row(r)
                }
                source = m.source
                composes = m.source != x
            case "Concat":
                let rank = out.shape.count
                var axis = 0
                if case .int(let a)? = step.node.attributes["axis"] { axis = Int(a) < 0 ? Int(a) + rank : Int(a) }
                let inputs = step.node.inputs.filter { !$0.isEmpty }
                guard axis < rank - 1, inputs.allSatisfy({ graph.isRunTime($0) && graph.states[$0]?.dtype == .float32 }) else { continue }
                let ms = inputs.map(incoming)
                guard let first = ms.first, ms.allSatisfy({ $0.source == first.source }) else { continue }
                var starts: [Int] = [0]
                for n in inputs { starts.append(starts.last! + graph.states[n]!.shape[axis]) }
                let shapes = inputs.map { Array(graph.states[$0]!.shape.dropLast()) }
                table = Self.mapped(Array(out.shape.dropLast())) { o in
                    var k = 0
                    while o[axis] >= starts[k + 1] { k += 1 }
                    let strides = Tensor.contiguousStrides(shapes[k])
                    var r = 0
                    for d in 0..<(rank - 1) { r += (d == axis ? o[d] - starts[k] : o[d]) * strides[d] }
                    return ms[k].row(r)
                }
                source = first.source
                composes = true
            default:
                continue
            }
            maps[y] = RowMap(source: source, table: table, length: length)
            guard composes || op == "Pad" else { continue }
            let gather = RowGather(rowLength: length, sources: table)
            graph.replace(step, with: step.reading([source], op: RowGatherOp(gather)))
            rewritten += 1
        }
        if rewritten > 0 { _ = try DeadStepRemoval().run(on: graph) }
        return rewritten
    }

    /// `f` at every coordinate of `shape`, row-major.
    static func mapped(_ shape: [Int], _ f: ([Int]) -> Int32) -> [Int32] {
        let n = shape.reduce(1, *)
        var out = [Int32](repeating: 0, count: n)
        var c = [Int](repeating: 0, count: shape.count)
        for i in 0..<n {
            out[i] = f(c)
            var d = shape.count - 1
            while d >= 0 { c[d] += 1; if c[d] < shape[d] { break }; c[d] = 0; d -= 1 }
        }
        return out
    }

    /// A constant-mode Pad with value 0 and non-negative pads: pads before and after each axis.
    static func zeroPads(_ step: PlanStep, _ graph: PlanGraph, rank: Int) -> ([Int], [Int])? {
        if let mode = step.node.attributes["mode"], case .string(let m) = mode, m != "constant" { return nil }
        let ins = step.node.inputs
        var pads: [Int]
        var axes = Array(0..<rank)
        if ins.count >= 2 {
            guard let p = graph.states[ins[1]]?.constant else { return nil }
            pads = p.integers.map { Int($0) }
            if ins.count >= 3, !ins[2].isEmpty {
                guard let v = graph.states[ins[2]]?.constant, TensorIndex.doubles(v).allSatisfy({ $0 == 0 }) else { return nil }
            }
            if ins.count >= 4, !ins[3].isEmpty {
                guard let a = graph.states[ins[3]]?.constant else { return nil }
                axes = a.integers.map { Int($0) < 0 ? Int($0) + rank : Int($0) }
            }
        } else {
            guard case .ints(let p)? = step.node.attributes["pads"] else { return nil }
            pads = p.map { Int($0) }
            if case .float(let v)? = step.node.attributes["value"], v != 0 { return nil }
        }
        guard pads.count == 2 * axes.count, pads.allSatisfy({ $0 >= 0 }), axes.allSatisfy({ (0..<rank).contains($0) }) else { return nil }
        var before = [Int](repeating: 0, count: rank), after = before
        for (k, a) in axes.enumerated() { before[a] = pads[k]; after[a] = pads[k + axes.count] }
        return (before, after)
    }

    /// A Slice's first index and step on every axis (as ``ShapeOps`` clamps them; positive steps only).
    static func slice(_ step: PlanStep, _ graph: PlanGraph, shape: [Int]) -> ([Int], [Int])? {
        let ins = step.node.inputs, rank = shape.count
        func ints(_ k: Int) -> [Int]? {
            guard k < ins.count, !ins[k].isEmpty, let c = graph.states[ins[k]]?.constant else { return nil }
            return c.integers.map { Int(max(min($0, Int64(Int32.max)), Int64(Int32.min))) }
        }
        var starts: [Int], axes: [Int]?, steps: [Int]?
        if ins.count >= 3 {
            guard let s = ints(1) else { return nil }
            starts = s
            axes = ints(3)
            steps = ints(4)
            if ins.count > 3, !ins[3].isEmpty, axes == nil { return nil }
            if ins.count > 4, !ins[4].isEmpty, steps == nil { return nil }
        } else {
            guard case .ints(let s)? = step.node.attributes["starts"] else { return nil }
            starts = s.map { Int($0) }
            if case .ints(let a)? = step.node.attributes["axes"] { axes = a.map { Int($0) } }
        }
        let ax = (axes ?? Array(0..<starts.count)).map { $0 < 0 ? $0 + rank : $0 }
        let st = steps ?? [Int](repeating: 1, count: starts.count)
        guard ax.count == starts.count, st.count == starts.count, st.allSatisfy({ $0 > 0 }) else { return nil }
        var begin = [Int](repeating: 0, count: rank), by = [Int](repeating: 1, count: rank)
        for (k, a) in ax.enumerated() {
            guard (0..<rank).contains(a) else { return nil }
            var b = starts[k]
            if b < 0 { b += shape[a] }
            begin[a] = min(max(b, 0), shape[a])
            by[a] = st[k]
        }
        return (begin, by)
    }
}
