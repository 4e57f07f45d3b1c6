/// Errors raised while planning or running a graph. Each names the node, op and opset involved.
public enum RuntimeError: Error, CustomStringConvertible, Equatable {
    /// The op (or this use of it) is not implemented.
    case unsupportedOperator(op: String, domain: String, node: String, opset: Int64, detail: String?)
    /// The node's inputs or attributes are inconsistent (shapes, counts, values).
    case invalidNode(op: String, node: String, detail: String)
    /// The graph itself is inconsistent (undefined values, cycles, missing outputs).
    case invalidGraph(String)
    /// A caller-supplied input is missing or has the wrong shape or type.
    case badInput(name: String, detail: String)

    public var description: String {
        switch self {
        case let .unsupportedOperator(op, domain, node, opset, detail):
            let d = domain.isEmpty ? "" : " (domain \(domain))"
            let extra = detail.map { ": \($0)" } ?? ""
            return "unsupported operator \(op)\(d) at node '\(node)', opset \(opset)\(extra)"
        case let .invalidNode(op, node, detail):
            return "invalid \(op) node '\(node)': \(detail)"
        case let .invalidGraph(detail):
            return "invalid graph: \(detail)"
        case let .badInput(name, detail):
            return "input '\(name)': \(detail)"
        }
    }
}
