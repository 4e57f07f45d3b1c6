import NNTensor
import ONNXFormat

/// Finds torchvision's `deform_conv2d` written as ordinary ops — the encoding of the
/// `deform_conv2d_onnx_exporter` package, which BiRefNet's published ONNX files use — and replaces each chain
/// with one `DeformConv` step, so the gathered corner tensors ([B, G, K·h·w, C/G] per corner, K = kh·kw) are
/// never stored.
///
/// The chain, from its output back (B batch, G offset groups, C channels, H×W input, h×w output):
///
///     Conv(kernel kh×kw, stride kh×kw, no padding) ← Reshape [B, C, h·kh, w·kw] ← Transpose [0,1,4,2,5,3]
///       ← Reshape [B, C, kh, kw, h, w] ← [Mul by Reshape(mask) [B, G, 1, K, h, w]]
///       ← Sum over the four corners of Mul(corner weight [B, G, 1, K, h, w], corner value [B, G, C/G, K, h, w])
///     corner value  = Reshape ← Transpose [0,1,3,2] ← GatherND(batch_dims 2)(
///                       Transpose [0,1,3,4,2] ← Reshape [B, G, C/G, H′, W′] ← Pad(X, zeros),
///                       Concat(axis 3) of Reshape [B, G, K·h·w, 1] of the row and column index)
///     row index     = Clip(top, 0, H′−1) or Clip(top + 1, 0, H′−1), top = Slice(p₀, axis 3, [0, 1)), likewise
///                     columns with Slice [1, 2) and W′−1; p₀ = Cast(Floor(p), int64)
///     corner weight = Reshape of Mul(a, b), a ∈ {1 − Δy, Δy}, b ∈ {1 − Δx, Δx}, Δ = Slice(p − Floor(p))
///     p             = Add(grid, Reshape(offset) [B, G, K, 2, h, w])
///
/// Each corner's weight must be the one its indices call for (top ↔ 1 − Δy, bottom ↔ Δy, left ↔ 1 − Δx,
/// right ↔ Δx), the four corners distinct, the padding at least one zero pixel on every side (so a clamped
/// index reads zero, as `DeformConv` does outside the input), and the constant grid exactly
/// `y·stride + i·dilation + padTop − pad` (and likewise for columns) at every tap and pixel, which gives the
/// stride, dilation and padding of the `DeformConv`. A bias Add after the Conv (the exporter's `apply_bias`),
/// read by nothing else, is folded in. Every intermediate must be read only inside the chain and be no graph
/// output. Anything else is left to run as the plain ops it is. Returns the chains fused.
package struct DeformChainFusion: PlanPass {
    package let opset: Int64
    package let options: PlanOptions

    package init(opset: Int64, options: PlanOptions) {
        self.opset = opset
        self.options = options
    }

    package func run(on graph: PlanGraph) throws -> Int {
        var fused = 0
        // The value indices, rebuilt only after a fusion changes the steps.
        var producers = graph.producers(), readers = graph.readers()
        for (index, conv) in graph.steps.enumerated() where conv.node.opType == "Conv" && conv.node.domain.isEmpty && !conv.removed {
            var chain = DeformChainMatch(graph: graph, producers: producers, readers: readers)
            guard let found = chain.match(conv: conv) else { continue }
            let node = ONNXNode(name: conv.node.name.isEmpty ? "deform:\(found.output)" : "deform:\(conv.node.name)",
                                opType: "DeformConv",
                                inputs: [found.input, found.weight, found.offset, found.bias ?? "", found.mask ?? ""],
                                outputs: [found.output], attributes: found.attributes)
            let context = NodeContext(node: node, opset: max(opset, 19), inputs: node.inputs.map { $0.isEmpty ? nil : graph.states[$0] },
                                      options: options)
            guard case let .runtime(outputs, op) = try Operators.plan(context),
                  outputs.first?.shape == graph.states[found.output]?.shape else { continue }
            let step = PlanStep(node: node, op: op)
            // The fused step takes the place of the chain's last step: everything it reads is computed before.
            guard let last = graph.steps.lastIndex(where: { $0 === found.lastStep }), last >= index else { continue }
            for s in chain.steps { s.removed = true }
            graph.steps[last] = step
            fused += 1
            producers = graph.producers()
            readers = graph.readers()
        }
        graph.compact()
        return fused
    }
}

/// One attempt at matching the chain ``DeformChainFusion`` describes, ending at a given Conv.
struct DeformChainMatch {
    /// What a match gives the fused node.
    struct Found {
        var input: String, weight: String, offset: String, mask: String?, bias: String?
        var output: String
        var attributes: [String: ONNXAttribute]
        var lastStep: PlanStep
    }

    private let graph: PlanGraph
    private let producers: [String: PlanStep]
    private let readers: [String: [PlanStep]]
    /// The steps matched so far (identity), which the fused step replaces.
    private(set) var steps: [PlanStep] = []

    init(graph: PlanGraph, producers: [String: PlanStep], readers: [String: [PlanStep]]) {
        self.graph = graph
        self.producers = producers
        self.readers = readers
    }

    // MARK: Small matchers

    /// The step of `opType` writing `value`, recorded as part of the chain.
    private mutating func step(_ value: String, _ opType: String) -> PlanStep? {
        guard let s = producers[value], !s.removed, s.node.opType == opType, s.node.domain.isEmpty, s.residual == nil,
              s.inputSegments == nil else { return nil }
        if !steps.contains(where: { $0 === s }) { steps.append(s) }
        return s
    }

    private func shape(_ value: String) -> [Int]? { graph.states[value]?.shape }
    private func constant(_ value: String) -> Tensor? { value.isEmpty ? nil : graph.states[value]?.constant }

    private func ints(_ s: PlanStep, _ name: String) -> [Int]? {
        switch s.node.attributes[name] {
        case .ints(let v)?: return v.map { Int($0) }
        case .int(let v)?: return [Int(v)]
        default: return nil
        }
    }

    /// Whether `value` is the scalar (or one-element) constant `expected`.
    private func isScalar(_ value: String, _ expected: Double) -> Bool { Self.isScalar(graph, value, expected) }

    private static func isScalar(_ graph: PlanGraph, _ value: String, _ expected: Double) -> Bool {
        guard !value.isEmpty, let c = graph.states[value]?.constant, c.count == 1 else { return false }
        return c.dtype.isFloatingPoint ? Double(c.floats[0]) == expected : Double(c.integers[0]) == expected
    }

    /// The Reshape writing `value` to `shape`: its input.
    private mutating func reshape(_ value: String, to expected: [Int]) -> String? {
        guard shape(value) == expected, let s = step(value, "Reshape") else { return nil }
        return s.node.inputs[0]
    }

    /// The Transpose writing `value` with permutation `perm`: its input.
    private mutating func transpose(_ value: String, _ perm: [Int]) -> String? {
        guard let s = step(value, "Transpose"), ints(s, "perm") == perm else { return nil }
        return s.node.inputs[0]
    }

    /// The Slice writing `value` that keeps element `index` of axis 3 of a rank-6 tensor: its input.
    private mutating func slice(_ value: String, index: Int) -> String? {
        guard let s = step(value, "Slice") else { return nil }
        let ins = s.node.inputs
        let starts: [Int]?, ends: [Int]?, axes: [Int]?
        if ins.count > 1 {
            starts = constant(ins[1])?.integers.map(Int.init)
            ends = ins.count > 2 ? constant(ins[2])?.integers.map(Int.init) : nil
            axes = ins.count > 3 && !ins[3].isEmpty ? constant(ins[3])?.integers.map(Int.init) : nil
            if ins.count > 4 && !ins[4].isEmpty, constant(ins[4])?.integers.allSatisfy({ $0 == 1 }) != true { return nil }
        } else {
            starts = ints(s, "starts"); ends = ints(s, "ends"); axes = ints(s, "axes")
        }
        guard let starts, let ends, starts.count == 1, ends.count == 1, shape(ins[0])?.count == 6 else { return nil }
        let axis = axes?.first ?? 0
        guard axes == nil || axes!.count == 1, axis == 3 || axis == -3,
              starts[0] == index, ends[0] == index + 1 || (index == 1 && ends[0] >= 2) else { return nil }
        return ins[0]
    }

    /// The other operand of a two-input `opType` step writing `value`, when one operand satisfies `test`.
    private mutating func binary(_ value: String, _ opType: String, commutative: Bool = true,
                                 where test: (String) -> Bool) -> String? {
        guard let s = step(value, opType), s.node.inputs.count == 2 else { return nil }
        let (a, b) = (s.node.inputs[0], s.node.inputs[1])
        if test(b) { return a }
        if commutative && test(a) { return b }
        return nil
    }

    // MARK: The chain

    /// Matches the chain ending at `conv`; nil (with the graph untouched) when anything differs.
    mutating func match(conv: PlanStep) -> Found? {
        steps = [conv]
        let node = conv.node
        guard node.inputs.count >= 2, let w = constant(node.inputs[1]), w.rank == 4,
              let kernel = ints(conv, "kernel_shape") ?? Optional(Array(w.shape[2...])), kernel.count == 2,
              ints(conv, "strides") == kernel, (ints(conv, "pads") ?? [0, 0, 0, 0]).allSatisfy({ $0 == 0 }),
              (ints(conv, "dilations") ?? [1, 1]).allSatisfy({ $0 == 1 }),
              autoPadIsUnset(conv),
              let out = shape(conv.outputs[0]), out.count == 4 else { return nil }
        let (kh, kw) = (kernel[0], kernel[1]), taps = kh * kw
        let (batch, h, wOut) = (out[0], out[2], out[3])
        let groups = ints(conv, "group")?.first ?? 1
        guard let columns = shape(node.inputs[0]), columns.count == 4, columns[2] == h * kh, columns[3] == wOut * kw else { return nil }
        let channels = columns[1]

        // Reshape [B, C, h·kh, w·kw] ← Transpose ← Reshape [B, C, kh, kw, h, w].
        guard let t1 = reshape(node.inputs[0], to: [batch, channels, h * kh, wOut * kw]),
              let r1 = transpose(t1, [0, 1, 4, 2, 5, 3]),
              let masked = reshape(r1, to: [batch, channels, kh, kw, h, wOut]),
              let sampledShape = shape(masked), sampledShape.count == 6 else { return nil }
        let offsetGroups = sampledShape[1], perGroup = sampledShape[2]
        guard sampledShape == [batch, offsetGroups, perGroup, taps, h, wOut], offsetGroups * perGroup == channels else { return nil }
        let tapShape = [batch, offsetGroups, 1, taps, h, wOut]

        // Optional mask, then the Sum of four corners.
        var mask: String?
        var sum = masked
        if let s = producers[masked], s.node.opType == "Mul" {
            var maskValue: String?
            guard let other = binary(masked, "Mul", where: { [graph, producers] in
                graph.states[$0]?.shape == tapShape && producers[$0]?.node.opType == "Reshape" }) else { return nil }
            for candidate in producers[masked]!.node.inputs where candidate != other { maskValue = candidate }
            guard let maskValue, let m = reshape(maskValue, to: tapShape), shape(m) == [batch, offsetGroups * taps, h, wOut] else { return nil }
            mask = m
            sum = other
        }
        guard let total = step(sum, "Sum"), total.node.inputs.count == 4 else { return nil }

        // The corners.
        var corners = Set<Corner>()
        var padded: String?, position: String?, floorStep: String?, indexBase: String?
        for product in total.node.inputs {
            guard let mul = step(product, "Mul"), mul.node.inputs.count == 2 else { return nil }
            var matchedCorner = false
            for (wi, vi) in [(0, 1), (1, 0)] {
                var attempt = self
                guard let weightCorner = attempt.cornerWeight(mul.node.inputs[wi], tapShape: tapShape),
                      let value = attempt.cornerValue(mul.node.inputs[vi], batch: batch, groups: offsetGroups, perGroup: perGroup,
                                                     taps: taps, h: h, w: wOut),
                      weightCorner.corner == value.corner else { continue }
                guard padded == nil || padded == value.padded, position == nil || position == weightCorner.position,
                      floorStep == nil || floorStep == weightCorner.floor, indexBase == nil || indexBase == value.indexBase
                else { return nil }
                padded = value.padded; position = weightCorner.position; floorStep = weightCorner.floor; indexBase = value.indexBase
                guard corners.insert(value.corner).inserted else { return nil }
                self = attempt
                matchedCorner = true
                break
            }
            guard matchedCorner else { return nil }
        }
        guard corners.count == 4, let padded, let position, let floorStep, let indexBase, let paddedShape = shape(padded),
              paddedShape.count == 5 else { return nil }

        // p₀ = Cast(Floor(p)); the Floor is the one the weights subtract.
        guard let cast = step(indexBase, "Cast"), cast.node.inputs[0] == floorStep,
              let floor = step(floorStep, "Floor"), floor.node.inputs[0] == position else { return nil }
        if case .int(let to)? = cast.node.attributes["to"], to == 7 {} else { return nil }  // INT64

        // Clip bounds: the padded input's last row and column.
        let (inH, inW) = (paddedShape[3], paddedShape[4])
        guard clipBounds(rows: inH - 1, columns: inW - 1) else { return nil }

        // The padded input: Reshape [B, G, C/G, H′, W′] ← Pad(X) with zeros.
        guard let pad = step(padded, "Reshape").map({ $0.node.inputs[0] }), shape(pad) == [batch, channels, inH, inW],
              let padStep = step(pad, "Pad"), let pads = padAmounts(padStep), pads[0] == 0, pads[1] == 0, pads[4] == 0, pads[5] == 0,
              [pads[2], pads[3], pads[6], pads[7]].allSatisfy({ $0 >= 1 }) else { return nil }
        let input = padStep.node.inputs[0]
        guard let inputShape = shape(input), inputShape == [batch, channels, inH - pads[2] - pads[6], inW - pads[3] - pads[7]] else { return nil }

        // p = Add(grid, Reshape(offset)).
        let offsetShape = [batch, offsetGroups, taps, 2, h, wOut]
        guard let positionStep = step(position, "Add"), positionStep.node.inputs.count == 2 else { return nil }
        let (pa, pb) = (positionStep.node.inputs[0], positionStep.node.inputs[1])
        let (gridName, offsetView) = constant(pa) != nil ? (pa, pb) : (pb, pa)
        guard let grid = constant(gridName), let offset = reshape(offsetView, to: offsetShape),
              shape(offset) == [batch, offsetGroups * taps * 2, h, wOut],
              let geometry = SamplingGrid(grid, taps: (kh, kw), output: (h, wOut), padTop: pads[2], padLeft: pads[3],
                                          input: (inputShape[2], inputShape[3])) else { return nil }

        // The Conv's own bias and an Add of a per-channel constant after it.
        let outChannels = w.shape[0]
        var bias = [Float](repeating: 0, count: outChannels)
        var hasBias = false
        if node.inputs.count > 2, !node.inputs[2].isEmpty {
            guard let b = constant(node.inputs[2]), b.count == outChannels else { return nil }
            bias = b.floats; hasBias = true
        }
        var output = conv.outputs[0]
        var lastStep = conv
        if let after = readers[output], after.count == 1, after[0].node.opType == "Add", after[0].node.domain.isEmpty,
           after[0].residual == nil, !graph.outputNames.contains(output), after[0].node.inputs.count == 2 {
            let add = after[0]
            let other = add.node.inputs[0] == output ? add.node.inputs[1] : add.node.inputs[0]
            if let b = constant(other), b.count == outChannels, b.dtype.isFloatingPoint,
               b.shape.filter({ $0 != 1 }).count <= 1, b.shape.count <= 4,
               outChannels == 1 || (b.shape.count >= 3 && b.shape[b.shape.count - 3] == outChannels) {
                for (k, v) in b.floats.enumerated() { bias[k] += v }
                hasBias = true
                steps.append(add)
                output = add.outputs[0]
                lastStep = add
            }
        }

        // Every intermediate is read only inside the chain.
        let external = Set([input, offset] + (mask.map { [$0] } ?? []))
        for s in steps {
            for value in s.outputs where !value.isEmpty && value != output {
                if graph.outputNames.contains(value) { return nil }
                for reader in readers[value] ?? [] where !steps.contains(where: { $0 === reader }) { return nil }
            }
            for value in s.stepInputs where graph.isRunTime(value) && !external.contains(value) {
                guard steps.contains(where: { s in s.outputs.contains(value) }) else { return nil }
            }
        }

        var biasName: String?
        if hasBias {
            let name = "\(output)/deform-bias"
            graph.states[name] = ValueState(shape: [outChannels], dtype: .float32, constant: Tensor(shape: [outChannels], values: bias))
            biasName = name
        }
        let attributes: [String: ONNXAttribute] = [
            "kernel_shape": .ints([Int64(kh), Int64(kw)]),
            "strides": .ints(geometry.strides.map(Int64.init)),
            "dilations": .ints(geometry.dilations.map(Int64.init)),
            "pads": .ints(geometry.pads.map(Int64.init)),
            "group": .int(Int64(groups)),
            "offset_group": .int(Int64(offsetGroups)),
        ]
        return Found(input: input, weight: node.inputs[1], offset: offset, mask: mask, bias: biasName, output: output,
                     attributes: attributes, lastStep: lastStep)
    }

    private func autoPadIsUnset(_ s: PlanStep) -> Bool {
        switch s.node.attributes["auto_pad"] {
        case nil: return true
        case .string(let v)?: return v == "NOTSET"
        default: return false
        }
    }

    /// Pad amounts [begin…, end…] of a constant-mode Pad with value zero over all four axes; nil otherwise.
    private func padAmounts(_ s: PlanStep) -> [Int]? {
        if case .string(let mode)? = s.node.attributes["mode"], mode != "constant" { return nil }
        let ins = s.node.inputs
        let pads: [Int]?
        if ins.count > 1 {
            pads = constant(ins[1])?.integers.map(Int.init)
            if ins.count > 2 && !ins[2].isEmpty && !isScalar(ins[2], 0) { return nil }
            if ins.count > 3 && !ins[3].isEmpty { return nil }
        } else {
            pads = ints(s, "pads")
            if case .float(let v)? = s.node.attributes["value"], v != 0 { return nil }
        }
        guard let pads, pads.count == 8 else { return nil }
        return pads
    }

    /// Which bilinear corner: its row (top or bottom) and column (left or right).
    struct Corner: Hashable {
        var bottom: Bool
        var right: Bool
    }

    /// The recorded index Clips and their bounds, checked once every corner is matched.
    private var clips: [(step: PlanStep, rows: Bool)] = []

    private func clipBounds(rows: Int, columns: Int) -> Bool {
        clips.allSatisfy { clip in
            let ins = clip.step.node.inputs
            let bound = clip.rows ? rows : columns
            if ins.count >= 3 { return isScalar(ins[1], 0) && isScalar(ins[2], Double(bound)) }
            guard case .float(let lo)? = clip.step.node.attributes["min"], case .float(let hi)? = clip.step.node.attributes["max"] else { return false }
            return lo == 0 && Double(hi) == Double(bound)
        }
    }

    /// A corner weight: Reshape [B, G, 1, K, h, w] of Mul(row factor, column factor).
    private mutating func cornerWeight(_ value: String, tapShape: [Int]) -> (corner: Corner, position: String, floor: String)? {
        guard let product = reshape(value, to: tapShape), let mul = step(product, "Mul"), mul.node.inputs.count == 2 else { return nil }
        var factors: [(axis: Int, high: Bool, position: String, floor: String)] = []
        for f in mul.node.inputs {
            guard let factor = fraction(f) else { return nil }
            factors.append(factor)
        }
        guard Set(factors.map(\.axis)) == [0, 1], factors[0].position == factors[1].position, factors[0].floor == factors[1].floor else { return nil }
        let row = factors.first { $0.axis == 0 }!, column = factors.first { $0.axis == 1 }!
        return (Corner(bottom: row.high, right: column.high), row.position, row.floor)
    }

    /// Δ = Slice(p − Floor(p)) on axis 3 (high), or 1 − Δ (low).
    private mutating func fraction(_ value: String) -> (axis: Int, high: Bool, position: String, floor: String)? {
        var high = true
        var delta = value
        if let s = producers[value], s.node.opType == "Sub", s.node.inputs.count == 2, isScalar(s.node.inputs[0], 1) {
            _ = step(value, "Sub")
            delta = s.node.inputs[1]
            high = false
        }
        for axis in 0..<2 {
            var attempt = self
            if let diff = attempt.slice(delta, index: axis), let sub = attempt.step(diff, "Sub"), sub.node.inputs.count == 2,
               attempt.producers[sub.node.inputs[1]]?.node.opType == "Floor",
               attempt.producers[sub.node.inputs[1]]?.node.inputs[0] == sub.node.inputs[0] {
                self = attempt
                return (axis, high, sub.node.inputs[0], sub.node.inputs[1])
            }
        }
        return nil
    }

    /// A corner value: Reshape [B, G, C/G, K, h, w] ← Transpose [0,1,3,2] ← GatherND(batch_dims 2).
    private mutating func cornerValue(_ value: String, batch: Int, groups: Int, perGroup: Int, taps: Int, h: Int, w: Int)
        -> (corner: Corner, padded: String, indexBase: String)? {
        guard let t = reshape(value, to: [batch, groups, perGroup, taps, h, w]), let gathered = transpose(t, [0, 1, 3, 2]),
              let gather = step(gathered, "GatherND"), gather.node.inputs.count == 2, ints(gather, "batch_dims") == [2],
              let channelsLast = transpose(gather.node.inputs[0], [0, 1, 3, 4, 2]),
              let concat = step(gather.node.inputs[1], "Concat"), concat.node.inputs.count == 2,
              ints(concat, "axis") == [3] || ints(concat, "axis") == [-1] else { return nil }
        let indexShape = [batch, groups, taps * h * w, 1]
        guard let rowClip = reshape(concat.node.inputs[0], to: indexShape),
              let columnClip = reshape(concat.node.inputs[1], to: indexShape),
              let row = index(rowClip, axis: 0), let column = index(columnClip, axis: 1),
              row.base == column.base else { return nil }
        return (Corner(bottom: row.next, right: column.next), channelsLast, row.base)
    }

    /// Clip(Slice(p₀, axis 3, [axis, axis+1)) [+ 1], lo, hi): the base p₀ and whether 1 was added.
    private mutating func index(_ value: String, axis: Int) -> (base: String, next: Bool)? {
        guard let clip = step(value, "Clip") else { return nil }
        clips.append((clip, axis == 0))
        var sliced = clip.node.inputs[0]
        var next = false
        if producers[sliced]?.node.opType == "Add" {
            guard let other = binary(sliced, "Add", where: { [graph] in Self.isScalar(graph, $0, 1) }) else { return nil }
            sliced = other
            next = true
        }
        guard let base = slice(sliced, index: axis) else { return nil }
        return (base, next)
    }
}

/// The constant sampling grid of the exporter's encoding, read as a convolution's geometry: at tap (i, j) and
/// output pixel (y, x) it must hold `y·sy + i·dy + padTop − py` (rows) and `x·sx + j·dx + padLeft − px`
/// (columns), positions in the padded input; stride s, dilation d and padding p are solved from three entries and
/// every entry is then checked exactly.
struct SamplingGrid {
    var strides: [Int]
    var dilations: [Int]
    /// Begin and end padding, ONNX order: [top, left, bottom, right].
    var pads: [Int]

    init?(_ grid: Tensor, taps: (Int, Int), output: (Int, Int), padTop: Int, padLeft: Int, input: (Int, Int)) {
        let (kh, kw) = taps, (h, w) = output
        guard grid.rank == 6, grid.shape[0] == 1, grid.shape[1] == 1, grid.shape[2] == kh * kw, grid.shape[3] == 2,
              grid.shape[4] == h, grid.shape[5] == w else { return nil }
        let g = grid.floats
        func at(_ tap: Int, _ axis: Int, _ y: Int, _ x: Int) -> Float { g[((tap * 2 + axis) * h + y) * w + x] }
        let sy = h > 1 ? Int(at(0, 0, 1, 0) - at(0, 0, 0, 0)) : 1
        let sx = w > 1 ? Int(at(0, 1, 0, 1) - at(0, 1, 0, 0)) : 1
        let dy = kh > 1 ? Int(at(kw, 0, 0, 0) - at(0, 0, 0, 0)) : 1
        let dx = kw > 1 ? Int(at(1, 1, 0, 0) - at(0, 1, 0, 0)) : 1
        let py = padTop - Int(at(0, 0, 0, 0)), px = padLeft - Int(at(0, 1, 0, 0))
        guard sy >= 1, sx >= 1, dy >= 1, dx >= 1, py >= 0, px >= 0 else { return nil }
        for i in 0..<kh { for j in 0..<kw { for y in 0..<h { for x in 0..<w {
            let tap = i * kw + j
            guard at(tap, 0, y, x) == Float(y * sy + i * dy + padTop - py),
                  at(tap, 1, y, x) == Float(x * sx + j * dx + padLeft - px) else { return nil }
        } } } }
        // End padding: the least that gives the same output size.
        func end(_ size: Int, _ begin: Int, _ k: Int, _ s: Int, _ d: Int, _ outSize: Int) -> Int? {
            for e in 0...(s + d * k + size) where (size + begin + e - d * (k - 1) - 1) >= 0
                && (size + begin + e - d * (k - 1) - 1) / s + 1 == outSize { return e }
            return nil
        }
        guard let by = end(input.0, py, kh, sy, dy, h), let bx = end(input.1, px, kw, sx, dx, w) else { return nil }
        strides = [sy, sx]
        dilations = [dy, dx]
        pads = [py, px, by, bx]
    }
}
