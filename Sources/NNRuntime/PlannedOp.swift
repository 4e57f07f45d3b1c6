import NNTensor

/// A node that will run, before memory is assigned: its op type, its cost, and how to build its kernel once
/// the fusion passes are done with it. What a pass may fold into an op is said by the capability protocols
/// the op's class conforms to (``AcceptsEpilogue``, ``AcceptsResidual``, ``AcceptsSegmentedInput``,
/// ``FusibleActivation``, ``RowResizable``), never by flags.
package class PlannedOp {
    package let opType: String
    /// Multiply-adds per run, for statistics.
    package let multiplyAdds: Int
    private let make: () -> Kernel

    package init(_ opType: String, multiplyAdds: Int = 0, make: @escaping () -> Kernel) {
        self.opType = opType
        self.multiplyAdds = multiplyAdds
        self.make = make
    }

    /// The kernel, with whatever the passes fused into the op.
    package func makeKernel() -> Kernel { make() }
}

/// An op that can apply a Relu or Clip to its output as it stores it.
package protocol AcceptsEpilogue: PlannedOp {
    var epilogue: ConvEpilogue { get set }
}

/// An op that can add one more input, of its output's shape, to its output after the epilogue: the residual
/// Add of a ResNet-style block.
package protocol AcceptsResidual: AcceptsEpilogue {
    /// Index in the step's input list of the residual, or nil for none.
    var residualSlot: Int? { get set }
}

/// An op that can read its input 0 as several channel segments lying apart (the inputs of a Concat that is
/// never built), each possibly resized row by row as it is read (a Resize that is never stored).
package protocol AcceptsSegmentedInput: PlannedOp {
    /// Each segment's channels and resize, in step input slots 0…; nil reads input 0 whole.
    var inputSegments: [InputSegment]? { get set }
}

/// One channel segment of a segmented input: its channel count, and the resize to apply as it is read.
package struct InputSegment {
    package var channels: Int
    package var resize: ResizeTaps?
}

/// An activation that its producer can apply instead, as its epilogue.
package protocol FusibleActivation: PlannedOp {
    var asEpilogue: ConvEpilogue { get }
}

/// A Resize whose output a segmented-input reader can interpolate row by row instead of reading it stored.
package protocol RowResizable: PlannedOp {
    var taps: ResizeTaps { get }
}

/// What has been fused into a convolution, handed to its kernel's constructor.
package struct ConvolutionFusion {
    package var epilogue: ConvEpilogue = .none
    package var residualSlot: Int?
    package var inputSegments: [InputSegment]?
}

/// A convolution that accepts an activation epilogue (the depthwise kernel).
package class ConvolutionOp: PlannedOp, AcceptsEpilogue {
    package var fusion = ConvolutionFusion()
    private let build: (ConvolutionFusion) -> Kernel

    package init(multiplyAdds: Int, build: @escaping (ConvolutionFusion) -> Kernel) {
        self.build = build
        super.init("Conv", multiplyAdds: multiplyAdds) { fatalError("unreachable: makeKernel is overridden") }
    }

    package var epilogue: ConvEpilogue {
        get { fusion.epilogue }
        set { fusion.epilogue = newValue }
    }

    package override func makeKernel() -> Kernel { build(fusion) }
}

/// A convolution that also adds a fused residual (im2col + sgemm).
package class ResidualConvolutionOp: ConvolutionOp, AcceptsResidual {
    package var residualSlot: Int? {
        get { fusion.residualSlot }
        set { fusion.residualSlot = newValue }
    }
}

/// A convolution that copies its input band by band (direct and Winograd): it also reads a Concat's inputs
/// in place and resizes rows as it copies them.
package final class BandedConvolutionOp: ResidualConvolutionOp, AcceptsSegmentedInput {
    package var inputSegments: [InputSegment]? {
        get { fusion.inputSegments }
        set { fusion.inputSegments = newValue }
    }
}

/// A Relu or Clip: runs as its own kernel unless its producer takes it as an epilogue.
package final class ActivationOp: PlannedOp, FusibleActivation {
    package let asEpilogue: ConvEpilogue

    package init(_ opType: String, epilogue: ConvEpilogue, make: @escaping () -> Kernel) {
        asEpilogue = epilogue
        super.init(opType, make: make)
    }
}

/// A batch-1 Resize of an NCHW tensor, which a segmented-input convolution can read row by row.
package final class ResizeOp: PlannedOp, RowResizable {
    package let taps: ResizeTaps

    package init(_ opType: String, taps: ResizeTaps, make: @escaping () -> Kernel) {
        self.taps = taps
        super.init(opType, make: make)
    }
}
