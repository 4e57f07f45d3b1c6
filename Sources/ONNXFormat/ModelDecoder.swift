import Foundation

extension ONNXModel {
    /// Reads and decodes an ONNX model file. External-data tensors are read relative to the file's folder.
    public static func load(path: String) throws -> ONNXModel {
        let url = URL(fileURLWithPath: path)
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw ONNXError.unreadable(path: path, reason: "it is a folder")
        }
        let data: Data
        do {
            data = try Data(contentsOf: url, options: .mappedIfSafe)
        } catch {
            let reason = FileManager.default.fileExists(atPath: path) ? "permission denied or not a regular file" : "no such file"
            throw ONNXError.unreadable(path: path, reason: reason)
        }
        guard !data.isEmpty else { throw ONNXError.unreadable(path: path, reason: "the file is empty") }
        return try ONNXModel(serialized: data, baseDirectory: url.deletingLastPathComponent().path)
    }

    /// Decodes a serialized `ModelProto`.
    /// - Parameter baseDirectory: where external-data files are looked for; nil refuses external data.
    public init(serialized data: Data, baseDirectory: String? = nil) throws {
        let decoder = ModelDecoder(baseDirectory: baseDirectory)
        self = try data.withUnsafeBytes { try decoder.decodeModel(ProtobufReader($0)) }
    }
}

/// Decodes the ONNX schema subset from protobuf fields. Field numbers are those of `onnx.proto3`.
struct ModelDecoder {
    let baseDirectory: String?

    func decodeModel(_ reader: ProtobufReader) throws -> ONNXModel {
        var r = reader
        var irVersion: Int64 = 0
        var opsets: [String: Int64] = [:]
        var producerName = "", producerVersion = ""
        var graph: ONNXGraph?
        while let (field, wire) = try r.readKey() {
            switch (field, wire) {
            case (1, .varint): irVersion = Int64(bitPattern: try r.readVarint())
            case (2, .lengthDelimited): producerName = try r.readString()
            case (3, .lengthDelimited): producerVersion = try r.readString()
            case (7, .lengthDelimited): graph = try decodeGraph(r.readLengthDelimited())
            case (8, .lengthDelimited):
                let (domain, version) = try decodeOpset(r.readLengthDelimited())
                opsets[domain] = version
            default: try r.skip(wire)
            }
        }
        guard let graph else { throw ONNXError.invalidModel("the file has no graph (is it an ONNX model?)") }
        guard !opsets.isEmpty || irVersion > 0 else {
            throw ONNXError.invalidModel("no IR version and no opset import (is it an ONNX model?)")
        }
        if opsets.isEmpty { opsets[""] = 1 }
        return ONNXModel(irVersion: irVersion, opsetImports: opsets, producerName: producerName,
                         producerVersion: producerVersion, graph: graph)
    }

    private func decodeOpset(_ reader: ProtobufReader) throws -> (String, Int64) {
        var r = reader
        var domain = "", version: Int64 = 0
        while let (field, wire) = try r.readKey() {
            switch (field, wire) {
            case (1, .lengthDelimited): domain = try r.readString()
            case (2, .varint): version = Int64(bitPattern: try r.readVarint())
            default: try r.skip(wire)
            }
        }
        return (domain == "ai.onnx" ? "" : domain, version)
    }

    func decodeGraph(_ reader: ProtobufReader) throws -> ONNXGraph {
        var r = reader
        var g = ONNXGraph()
        while let (field, wire) = try r.readKey() {
            switch (field, wire) {
            case (1, .lengthDelimited): g.nodes.append(try decodeNode(r.readLengthDelimited()))
            case (2, .lengthDelimited): g.name = try r.readString()
            case (5, .lengthDelimited): g.initializers.append(try decodeTensor(r.readLengthDelimited()))
            case (11, .lengthDelimited): g.inputs.append(try decodeValueInfo(r.readLengthDelimited()))
            case (12, .lengthDelimited): g.outputs.append(try decodeValueInfo(r.readLengthDelimited()))
            case (13, .lengthDelimited): g.valueInfo.append(try decodeValueInfo(r.readLengthDelimited()))
            default: try r.skip(wire)
            }
        }
        return g
    }

    private func decodeNode(_ reader: ProtobufReader) throws -> ONNXNode {
        var r = reader
        var node = ONNXNode(name: "", opType: "", inputs: [], outputs: [])
        while let (field, wire) = try r.readKey() {
            switch (field, wire) {
            case (1, .lengthDelimited): node.inputs.append(try r.readString())
            case (2, .lengthDelimited): node.outputs.append(try r.readString())
            case (3, .lengthDelimited): node.name = try r.readString()
            case (4, .lengthDelimited): node.opType = try r.readString()
            case (5, .lengthDelimited):
                let (name, value) = try decodeAttribute(r.readLengthDelimited())
                node.attributes[name] = value
            case (7, .lengthDelimited): node.domain = try r.readString()
            default: try r.skip(wire)
            }
        }
        guard !node.opType.isEmpty else {
            throw ONNXError.invalidModel("node '\(node.name)' has no op_type")
        }
        if node.domain == "ai.onnx" { node.domain = "" }
        return node
    }

    private func decodeAttribute(_ reader: ProtobufReader) throws -> (String, ONNXAttribute) {
        var r = reader
        var name = ""
        var type: Int64 = 0
        var f: Float?, i: Int64?, s: String?, t: ONNXTensor?, g: ONNXGraph?
        var floats: [Float] = [], ints: [Int64] = [], strings: [String] = []
        var tensors: [ONNXTensor] = [], graphs: [ONNXGraph] = []
        while let (field, wire) = try r.readKey() {
            switch (field, wire) {
            case (1, .lengthDelimited): name = try r.readString()
            case (2, .fixed32): f = Float(bitPattern: try r.readFixed32())
            case (3, .varint): i = Int64(bitPattern: try r.readVarint())
            case (4, .lengthDelimited): s = try r.readString()
            case (5, .lengthDelimited): t = try decodeTensor(r.readLengthDelimited())
            case (6, .lengthDelimited): g = try decodeGraph(r.readLengthDelimited())
            case (7, _): try r.readFloats(wire, into: &floats)
            case (8, _): try r.readVarints(wire, into: &ints)
            case (9, .lengthDelimited): strings.append(try r.readString())
            case (10, .lengthDelimited): tensors.append(try decodeTensor(r.readLengthDelimited()))
            case (11, .lengthDelimited): graphs.append(try decodeGraph(r.readLengthDelimited()))
            case (20, .varint): type = Int64(bitPattern: try r.readVarint())
            default: try r.skip(wire)
            }
        }
        // AttributeProto.AttributeType: FLOAT=1 INT=2 STRING=3 TENSOR=4 GRAPH=5 FLOATS=6 INTS=7 STRINGS=8 TENSORS=9 GRAPHS=10
        switch type {
        case 1: return (name, .float(f ?? 0))
        case 2: return (name, .int(i ?? 0))
        case 3: return (name, .string(s ?? ""))
        case 4:
            guard let t else { throw ONNXError.invalidModel("attribute '\(name)' of type TENSOR has no tensor") }
            return (name, .tensor(t))
        case 5:
            guard let g else { throw ONNXError.invalidModel("attribute '\(name)' of type GRAPH has no graph") }
            return (name, .graph(g))
        case 6: return (name, .floats(floats))
        case 7: return (name, .ints(ints))
        case 8: return (name, .strings(strings))
        case 9: return (name, .tensors(tensors))
        case 10: return (name, .graphs(graphs))
        default:
            // Very old exporters leave `type` unset: infer it from the field present.
            if let f { return (name, .float(f)) }
            if let i { return (name, .int(i)) }
            if let s { return (name, .string(s)) }
            if let t { return (name, .tensor(t)) }
            if let g { return (name, .graph(g)) }
            if !floats.isEmpty { return (name, .floats(floats)) }
            if !ints.isEmpty { return (name, .ints(ints)) }
            if !strings.isEmpty { return (name, .strings(strings)) }
            if !tensors.isEmpty { return (name, .tensors(tensors)) }
            if !graphs.isEmpty { return (name, .graphs(graphs)) }
            throw ONNXError.invalidModel("attribute '\(name)' has unknown type \(type)")
        }
    }

    func decodeTensor(_ reader: ProtobufReader) throws -> ONNXTensor {
        var r = reader
        var dims: [Int64] = []
        var typeCode: Int32 = 0
        var name = ""
        var raw: [UInt8]?
        var floats: [Float] = [], doubles: [Double] = []
        var int32s: [Int64] = [], int64s: [Int64] = [], uint64s: [Int64] = []
        var external: [String: String] = [:]
        var location: Int64 = 0
        var hasStrings = false
        while let (field, wire) = try r.readKey() {
            switch (field, wire) {
            case (1, _): try r.readVarints(wire, into: &dims)
            case (2, .varint): typeCode = Int32(truncatingIfNeeded: try r.readVarint())
            case (4, _): try r.readFloats(wire, into: &floats)
            case (5, _): try r.readVarints(wire, into: &int32s)
            case (6, .lengthDelimited): hasStrings = true; _ = try r.readBytes()
            case (7, _): try r.readVarints(wire, into: &int64s)
            case (8, .lengthDelimited): name = try r.readString()
            case (9, .lengthDelimited): raw = Array(try r.readBytes())
            case (10, _): try r.readDoubles(wire, into: &doubles)
            case (11, _): try r.readVarints(wire, into: &uint64s)
            case (13, .lengthDelimited):
                var entry = try r.readLengthDelimited()
                var key = "", value = ""
                while let (f, w) = try entry.readKey() {
                    switch (f, w) {
                    case (1, .lengthDelimited): key = try entry.readString()
                    case (2, .lengthDelimited): value = try entry.readString()
                    default: try entry.skip(w)
                    }
                }
                external[key] = value
            case (14, .varint): location = Int64(bitPattern: try r.readVarint())
            default: try r.skip(wire)
            }
        }
        guard let dataType = TensorDataType(rawValue: typeCode), dataType != .string, !hasStrings else {
            throw ONNXError.unsupportedDataType(tensor: name, code: typeCode)
        }
        guard dims.allSatisfy({ $0 >= 0 && $0 < (1 << 40) }) else {
            throw ONNXError.invalidModel("tensor '\(name)' has invalid dims \(dims)")
        }
        let shape = dims.map { Int($0) }
        var count = 1
        for d in shape {
            let (p, overflow) = count.multipliedReportingOverflow(by: d)
            guard !overflow, p < (1 << 40) else { throw ONNXError.invalidModel("tensor '\(name)' has absurd dims \(dims)") }
            count = p
        }
        let width = dataType.byteWidth!

        if location == 1 {
            raw = try readExternal(name: name, entries: external, byteCount: count * width)
        }
        let payload: ONNXTensor.Payload
        if let raw {
            guard raw.count == count * width else {
                throw ONNXError.tensorSizeMismatch(tensor: name, expected: count * width, found: raw.count, unit: "bytes")
            }
            payload = .raw(raw)
        } else {
            let found: Int
            switch dataType {
            case .float: payload = .floats(floats); found = floats.count
            case .double: payload = .doubles(doubles); found = doubles.count
            case .int64: payload = .int64s(int64s); found = int64s.count
            case .uint32, .uint64: payload = .uint64s(uint64s); found = uint64s.count
            default: payload = .int32s(int32s); found = int32s.count
            }
            guard found == count else {
                throw ONNXError.tensorSizeMismatch(tensor: name, expected: count, found: found, unit: "elements")
            }
        }
        return ONNXTensor(name: name, dataType: dataType, dims: shape, payload: payload)
    }

    private func readExternal(name: String, entries: [String: String], byteCount: Int) throws -> [UInt8] {
        guard let location = entries["location"], !location.isEmpty else {
            throw ONNXError.externalData(tensor: name, location: "", reason: "no location given")
        }
        guard let baseDirectory else {
            throw ONNXError.externalData(tensor: name, location: location, reason: "model was not loaded from a file")
        }
        let offset = Int(entries["offset"] ?? "0") ?? -1
        let length = entries["length"].flatMap { Int($0) } ?? byteCount
        guard offset >= 0, length >= 0 else {
            throw ONNXError.externalData(tensor: name, location: location, reason: "invalid offset or length")
        }
        let path = location.hasPrefix("/") ? location : baseDirectory + "/" + location
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw ONNXError.externalData(tensor: name, location: location, reason: "file not found next to the model")
        }
        // Refuse sizes the tensor or the file cannot back before reading (and allocating) anything.
        guard length == byteCount else {
            throw ONNXError.tensorSizeMismatch(tensor: name, expected: byteCount, found: length, unit: "bytes")
        }
        let fileSize = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? 0
        guard offset <= fileSize, length <= fileSize - offset else {
            try? handle.close()
            throw ONNXError.externalData(tensor: name, location: location,
                                         reason: "file ends after \(max(0, fileSize - offset)) of \(length) bytes at offset \(offset)")
        }
        defer { try? handle.close() }
        do {
            try handle.seek(toOffset: UInt64(offset))
            let data = try handle.read(upToCount: length) ?? Data()
            guard data.count == length else {
                throw ONNXError.externalData(tensor: name, location: location,
                                             reason: "file ends after \(data.count) of \(length) bytes at offset \(offset)")
            }
            return [UInt8](data)
        } catch let error as ONNXError {
            throw error
        } catch {
            throw ONNXError.externalData(tensor: name, location: location, reason: "\(error)")
        }
    }

    private func decodeValueInfo(_ reader: ProtobufReader) throws -> ONNXValueInfo {
        var r = reader
        var info = ONNXValueInfo(name: "", elementType: nil, shape: nil)
        while let (field, wire) = try r.readKey() {
            switch (field, wire) {
            case (1, .lengthDelimited): info.name = try r.readString()
            case (2, .lengthDelimited):
                var type = try r.readLengthDelimited()
                while let (f, w) = try type.readKey() {
                    guard f == 1, w == .lengthDelimited else { try type.skip(w); continue }
                    var tensorType = try type.readLengthDelimited()
                    while let (tf, tw) = try tensorType.readKey() {
                        switch (tf, tw) {
                        case (1, .varint):
                            info.elementType = TensorDataType(rawValue: Int32(truncatingIfNeeded: try tensorType.readVarint()))
                        case (2, .lengthDelimited):
                            info.shape = try decodeShape(tensorType.readLengthDelimited())
                        default: try tensorType.skip(tw)
                        }
                    }
                }
            default: try r.skip(wire)
            }
        }
        return info
    }

    private func decodeShape(_ reader: ProtobufReader) throws -> [ONNXDimension] {
        var r = reader
        var dims: [ONNXDimension] = []
        while let (field, wire) = try r.readKey() {
            guard field == 1, wire == .lengthDelimited else { try r.skip(wire); continue }
            var d = try r.readLengthDelimited()
            var dim = ONNXDimension.symbolic("")
            while let (f, w) = try d.readKey() {
                switch (f, w) {
                case (1, .varint): dim = .fixed(Int(Int64(bitPattern: try d.readVarint())))
                case (2, .lengthDelimited): dim = .symbolic(try d.readString())
                default: try d.skip(w)
                }
            }
            dims.append(dim)
        }
        return dims
    }
}

extension ONNXTensor {
    /// Decodes a serialized `TensorProto` (the `input_K.pb` / `output_K.pb` files of ONNX test cases).
    public init(serialized data: Data) throws {
        let decoder = ModelDecoder(baseDirectory: nil)
        self = try data.withUnsafeBytes { try decoder.decodeTensor(ProtobufReader($0)) }
    }

    /// Reads and decodes a `TensorProto` file.
    public static func load(path: String) throws -> ONNXTensor {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ONNXError.unreadable(path: path, reason: FileManager.default.fileExists(atPath: path) ? "permission denied" : "no such file")
        }
        return try ONNXTensor(serialized: data)
    }
}
