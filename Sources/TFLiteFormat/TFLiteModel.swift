import Foundation

/// The subset of TFLite's schema (`tensorflow/lite/schema/schema.fbs`) the reader needs, decoded from the
/// FlatBuffers file: the first subgraph's tensors and operators, the operator codes and the buffers.
public struct TFLiteModel: Sendable {
    /// TFLite's tensor element types (`TensorType`), by their schema codes.
    public enum ElementType: Int8, Sendable, CustomStringConvertible {
        /// A type with its `TensorType` code.
        case float32 = 0, float16 = 1, int32 = 2, uint8 = 3, int64 = 4, string = 5, bool = 6, int16 = 7
        /// A type with its `TensorType` code.
        case complex64 = 8, int8 = 9, float64 = 10

        /// The schema's name.
        public var description: String {
            switch self {
            case .float32: return "FLOAT32"
            case .float16: return "FLOAT16"
            case .int32: return "INT32"
            case .uint8: return "UINT8"
            case .int64: return "INT64"
            case .string: return "STRING"
            case .bool: return "BOOL"
            case .int16: return "INT16"
            case .complex64: return "COMPLEX64"
            case .int8: return "INT8"
            case .float64: return "FLOAT64"
            }
        }
    }

    /// One tensor of the subgraph.
    public struct TensorInfo: Sendable {
        /// The tensor's name.
        public var name: String
        /// Its shape, as stored (NHWC for images).
        public var shape: [Int]
        /// Its element type; nil for a type this reader does not know.
        public var type: ElementType?
        /// The raw type code.
        public var typeCode: Int8
        /// Index into the model's buffers (0 is the empty buffer).
        public var buffer: Int
    }

    /// One operator of the subgraph.
    public struct Operator: Sendable {
        /// The builtin operator code (`BuiltinOperator`), or -1 for a custom operator.
        public var builtinCode: Int
        /// The custom operator's name, for custom operators.
        public var customCode: String?
        /// Input tensor indices (-1: an omitted optional input).
        public var inputs: [Int]
        /// Output tensor indices.
        public var outputs: [Int]
        /// The `BuiltinOptions` union's type tag.
        public var optionsType: Int
        /// The decoded integer-valued option fields by field id (absent fields are missing); filled for the
        /// option tables the translation reads.
        public var options: [Int: Int]
        /// `ReshapeOptions.new_shape`, when present.
        public var newShape: [Int]?
    }

    /// The schema version field.
    public var version: Int
    /// The model's description string.
    public var modelDescription: String
    /// The first subgraph's tensors.
    public var tensors: [TensorInfo]
    /// Its operators, in execution order.
    public var operators: [Operator]
    /// Its input tensor indices.
    public var inputs: [Int]
    /// Its output tensor indices.
    public var outputs: [Int]
    /// The buffers' bytes (empty for a tensor without constant data).
    public var buffers: [[UInt8]]

    /// Reads a `.tflite` file.
    public static func load(path: String) throws -> TFLiteModel {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TFLiteError.unreadable(path: path, reason: FileManager.default.fileExists(atPath: path)
                                         ? "not readable" : "no such file")
        }
        return try TFLiteModel(bytes: [UInt8](data))
    }

    /// Decodes a TFLite FlatBuffers file held in memory.
    public init(bytes: [UInt8]) throws {
        let r = FlatBufferReader(bytes)
        guard bytes.count >= 8 else { throw TFLiteError.truncated(what: "file header", needed: 8, size: bytes.count) }
        let ident = bytes[4..<8]
        guard Array(ident) == Array("TFL3".utf8) else {
            throw TFLiteError.badIdentifier(found: String(decoding: ident.map { (0x20..<0x7f).contains($0) ? $0 : UInt8(ascii: "?") }, as: UTF8.self))
        }
        let model = try r.root()
        // table Model { version:uint (0); operator_codes (1); subgraphs (2); description (3); buffers (4); … }
        version = Int(try model.uint32(0))
        modelDescription = try model.string(3, "model description") ?? ""
        // table OperatorCode { deprecated_builtin_code:byte (0); custom_code:string (1); version:int (2);
        //                      builtin_code:BuiltinOperator (3, int32) }
        let codes: [(Int, String?)] = try model.tables(1, "operator_codes").map { oc in
            let deprecated = Int(try oc.int8(0)), builtin = Int(try oc.int32(3))
            let custom = try oc.string(1, "custom_code")
            // Old files store codes below 127 only in the deprecated byte; newer ones in both.
            return (max(deprecated, builtin), custom)
        }
        // table Buffer { data:[ubyte] (0); offset:ulong (1); size:ulong (2) }
        // Each buffer is copied out, so their total is held to the file's size: a file whose buffer entries all
        // point at one large vector would otherwise ask for its size times their count.
        var copied = 0
        func claim(_ size: Int, _ k: Int) throws {
            copied += size
            guard copied <= bytes.count else {
                throw TFLiteError.invalidModel("buffer \(k): the buffers together exceed the file's \(bytes.count) bytes")
            }
        }
        buffers = try model.tables(4, "buffers").enumerated().map { k, b in
            if let data = try b.bytes(0, "buffer \(k) data") { try claim(data.count, k); return Array(data) }
            let offset = Int(clamping: try b.uint64(1)), size = Int(clamping: try b.uint64(2))
            guard offset > 1 else { return [] }
            guard offset <= bytes.count else {
                throw TFLiteError.offsetOutOfRange(what: "buffer \(k) offset", value: offset, limit: bytes.count)
            }
            guard size <= bytes.count - offset else {
                throw TFLiteError.truncated(what: "buffer \(k)", needed: offset + size, size: bytes.count)
            }
            try claim(size, k)
            return Array(bytes[offset..<(offset + size)])
        }
        let subgraphs = try model.tables(2, "subgraphs")
        guard let graph = subgraphs.first else { throw TFLiteError.invalidModel("no subgraph") }
        // table SubGraph { tensors (0); inputs:[int] (1); outputs:[int] (2); operators (3); name (4) }
        // table Tensor { shape:[int] (0); type:TensorType (1, byte); buffer:uint (2); name:string (3); … }
        let bufferCount = buffers.count
        tensors = try graph.tables(0, "tensors").enumerated().map { k, t in
            let code = try t.int8(1)
            let buffer = Int(try t.uint32(2))
            guard buffer < max(bufferCount, 1) else {
                throw TFLiteError.offsetOutOfRange(what: "tensor \(k) buffer index", value: buffer, limit: bufferCount)
            }
            let shape = (try t.int32s(0, "tensor \(k) shape") ?? []).map(Int.init)
            guard shape.allSatisfy({ $0 >= 0 }) else { throw TFLiteError.invalidModel("tensor \(k) has shape \(shape)") }
            return TensorInfo(name: try t.string(3, "tensor \(k) name") ?? "tensor\(k)", shape: shape,
                              type: ElementType(rawValue: code), typeCode: code, buffer: buffer)
        }
        let tensorCount = tensors.count
        func indices(_ list: [Int32]?, _ what: String, optional: Bool) throws -> [Int] {
            try (list ?? []).map { i in
                guard (optional && i == -1) || (0..<Int32(tensorCount)).contains(i) else {
                    throw TFLiteError.offsetOutOfRange(what: "\(what) tensor index", value: Int(i), limit: tensorCount)
                }
                return Int(i)
            }
        }
        inputs = try indices(try graph.int32s(1, "subgraph inputs"), "subgraph input", optional: false)
        outputs = try indices(try graph.int32s(2, "subgraph outputs"), "subgraph output", optional: false)
        // table Operator { opcode_index:uint (0); inputs (1); outputs (2); builtin_options_type (3, ubyte);
        //                  builtin_options (4); custom_options (5); … }
        operators = try graph.tables(3, "operators").enumerated().map { k, op in
            let opcode = Int(try op.uint32(0))
            guard opcode < codes.count else {
                throw TFLiteError.offsetOutOfRange(what: "operator \(k) opcode index", value: opcode, limit: codes.count)
            }
            let optionsType = Int(try op.uint8(3))
            var options: [Int: Int] = [:]
            var newShape: [Int]?
            if let table = try op.table(4, "operator \(k) options") {
                if optionsType == BuiltinOptionsType.reshape {
                    newShape = try table.int32s(0, "new_shape").map { $0.map(Int.init) }
                } else {
                    // Every option table the translation reads holds only scalar fields of ≤ 4 bytes: read
                    // each present field of the vtable at its stored width.
                    let fields = (table.vtableSize - 4) / 2
                    for id in 0..<fields {
                        guard let width = BuiltinOptionsType.fieldWidth(optionsType, id) else { continue }
                        guard let p = try table.field(id, size: width) else { continue }
                        switch width {
                        case 1: options[id] = Int(Int8(bitPattern: r.u8(p)))
                        default: options[id] = Int(r.i32(p))
                        }
                    }
                }
            }
            return Operator(builtinCode: codes[opcode].1 != nil && codes[opcode].0 == 32 ? -1 : codes[opcode].0,
                            customCode: codes[opcode].1,
                            inputs: try indices(try op.int32s(1, "operator \(k) inputs"), "operator \(k) input", optional: true),
                            outputs: try indices(try op.int32s(2, "operator \(k) outputs"), "operator \(k) output", optional: false),
                            optionsType: optionsType, options: options, newShape: newShape)
        }
    }
}

/// `BuiltinOptions` union tags and the option tables' field layouts (schema.fbs), for the ops translated.
enum BuiltinOptionsType {
    static let conv2D = 1, depthwiseConv2D = 2, concatenation = 10, pool2D = 5, add = 11, reshape = 17

    /// Byte width of field `id` of the options table with tag `type`; nil for fields not read.
    static func fieldWidth(_ type: Int, _ id: Int) -> Int? {
        switch type {
        // Conv2DOptions { padding:byte; stride_w:int; stride_h:int; fused_activation_function:byte;
        //                 dilation_w_factor:int; dilation_h_factor:int }
        case conv2D: return [1, 4, 4, 1, 4, 4].element(id)
        // DepthwiseConv2DOptions { padding:byte; stride_w; stride_h; depth_multiplier:int;
        //                          fused_activation_function:byte; dilation_w_factor; dilation_h_factor }
        case depthwiseConv2D: return [1, 4, 4, 4, 1, 4, 4].element(id)
        // Pool2DOptions { padding:byte; stride_w; stride_h; filter_width; filter_height; fused_activation_function:byte }
        case pool2D: return [1, 4, 4, 4, 4, 1].element(id)
        // ConcatenationOptions { axis:int; fused_activation_function:byte }
        case concatenation: return [4, 1].element(id)
        // AddOptions { fused_activation_function:byte; pot_scale_int16:bool }
        case add: return [1, 1].element(id)
        default: return nil
        }
    }
}

private extension Array {
    func element(_ i: Int) -> Element? { indices.contains(i) ? self[i] : nil }
}
