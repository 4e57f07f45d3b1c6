/// What running one ONNX test case gave.
package struct CaseOutcome: Sendable, Equatable {
    /// The verdict on a case.
    package enum Result: String, Sendable, CaseIterable {
        /// Every output of every data set matched.
        case pass
        /// An output had another shape, type or values than expected.
        case mismatch
        /// The case could not be run: unreadable files, unsupported ops or data types, planning errors.
        case refused
    }

    package var result: Result
    /// The data set, output and difference of a mismatch, or why the case was refused; nil on a pass.
    package var detail: String?
    /// The op types the model uses, sorted (empty when the model could not be read).
    package var ops: [String]

    package init(result: Result, detail: String? = nil, ops: [String] = []) {
        self.result = result
        self.detail = detail
        self.ops = ops
    }
}
