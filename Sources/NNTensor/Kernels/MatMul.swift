import CBLAS

/// Matrix products through OpenBLAS.
package enum MatMul {
    /// `C[m×n] = alpha · op(A) · op(B) + beta · C`, row-major float32; `op` transposes when asked
    /// (A is then stored k × m, B n × k).
    package static func sgemm(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>,
                             m: Int, n: Int, k: Int, transA: Bool = false, transB: Bool = false,
                             alpha: Float = 1, beta: Float = 0) {
        guard m > 0, n > 0 else { return }
        if k == 0 { for i in 0..<m * n { c[i] *= beta }; return }
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(transA ? m : k), b, Int32(transB ? k : n), beta, c, Int32(n))
    }
}

/// What a matrix product applies to each output row as it stores it: a bias along the row, an activation,
/// then a residual of the output's shape.
package enum MatMulActivation: Sendable, Equatable {
    case none
    case relu
    case clip(min: Float, max: Float)
    /// `x · ½ · (1 + erf(x / √2))` (``SIMDMath/gelu(_:)``).
    case gelu
}

/// A batched matrix product `C[t] = op(A[t]) · op(B[t])` for `t` over the broadcast batch, with a fused
/// epilogue, split over threads. Each sgemm call is single-threaded; the split is ours.
package struct BatchedMatMul: Sendable {
    package let m: Int, n: Int, k: Int
    /// Float offsets of each batch element's A and B matrices.
    package let aOffsets: [Int], bOffsets: [Int]
    package let transA: Bool, transB: Bool

    package init(m: Int, n: Int, k: Int, aOffsets: [Int], bOffsets: [Int], transA: Bool = false, transB: Bool = false) {
        self.m = m; self.n = n; self.k = k
        self.aOffsets = aOffsets; self.bOffsets = bOffsets
        self.transA = transA; self.transB = transB
    }

    /// Whether a constant B can be packed once for ``PanelMatMul``: the batch is one product of rows
    /// (``rowsShareB``) and not empty.
    package var suitsPanels: Bool { rowsShareB && k > 0 && n > 0 }

    /// Whether every batch element uses the same B and consecutive untransposed A matrices: the batch then
    /// runs as one product of `batches · m` rows.
    package var rowsShareB: Bool {
        !transA && bOffsets.allSatisfy { $0 == bOffsets[0] } && aOffsets.enumerated().allSatisfy { $0.element == $0.offset * m * k }
    }

    /// - Parameters:
    ///   - bias: nil or `n` values added along every row.
    ///   - residual: nil or a tensor of the output's shape added last; it must not overlap the output.
    package func run(a: UnsafePointer<Float>, b: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>,
                     bias: UnsafePointer<Float>?, activation: MatMulActivation, residual: UnsafePointer<Float>?, threads: Int) {
        let batches = aOffsets.count
        let (m, n, k) = (self.m, self.n, self.k)
        guard m > 0, n > 0, batches > 0 else { return }
        if rowsShareB {
            let rows = batches * m
            // Blocks of rows big enough that sgemm's packing of B is amortised, enough of them to share out.
            let per = max(16, min(1024, (rows + 4 * threads - 1) / (4 * max(threads, 1))))
            let blocks = (rows + per - 1) / per
            let b0 = b + bOffsets[0]
            Parallel.forEach(blocks, threads: threads) { p in
                let r0 = p * per, r1 = min(rows, r0 + per)
                MatMul.sgemm(a + r0 * k, b0, c + r0 * n, m: r1 - r0, n: n, k: k, transB: transB)
                Self.epilogue(c + r0 * n, rows: r1 - r0, n: n, bias: bias, activation: activation, residual: residual.map { $0 + r0 * n })
            }
            return
        }
        Parallel.forEach(batches, threads: threads) { t in
            MatMul.sgemm(a + aOffsets[t], b + bOffsets[t], c + t * m * n, m: m, n: n, k: k, transA: transA, transB: transB)
            Self.epilogue(c + t * m * n, rows: m, n: n, bias: bias, activation: activation, residual: residual.map { $0 + t * m * n })
        }
    }

    /// Applies bias, activation and residual to `rows` rows of `n` floats, `stride` floats apart in `c` and
    /// in `residual` (`stride` defaults to `n`: contiguous rows).
    @inline(__always)
    static func epilogue(_ c: UnsafeMutablePointer<Float>, rows: Int, n: Int, stride: Int? = nil, bias: UnsafePointer<Float>?,
                         activation: MatMulActivation, residual: UnsafePointer<Float>?) {
        if bias == nil && activation == .none && residual == nil { return }
        var lo = -Float.infinity, hi = Float.infinity
        if case .relu = activation { lo = 0 }
        if case let .clip(a, b) = activation { lo = a; hi = b }
        let gelu = activation == .gelu
        let vlo = SIMD8<Float>(repeating: lo), vhi = SIMD8<Float>(repeating: hi)
        let clamps = lo > -.infinity || hi < .infinity
        let stride = stride ?? n
        for r in 0..<rows {
            let row = c + r * stride
            let res = residual.map { $0 + r * stride }
            var i = 0
            while i + 8 <= n {
                var v = UnsafeRawPointer(row + i).loadUnaligned(as: SIMD8<Float>.self)
                if let bias { v += UnsafeRawPointer(bias + i).loadUnaligned(as: SIMD8<Float>.self) }
                if gelu { v = SIMDMath.gelu(v) }
                if clamps { v = SIMDMath.clamp(v, vlo, vhi) }
                if let res { v += UnsafeRawPointer(res + i).loadUnaligned(as: SIMD8<Float>.self) }
                UnsafeMutableRawPointer(row + i).storeBytes(of: v, as: SIMD8<Float>.self)
                i += 8
            }
            if i < n {
                var v = SIMD8<Float>()
                for j in 0..<(n - i) { v[j] = row[i + j] + (bias?[i + j] ?? 0) }
                if gelu { v = SIMDMath.gelu(v) }
                if clamps { v = SIMDMath.clamp(v, vlo, vhi) }
                for j in 0..<(n - i) { row[i + j] = v[j] + (res?[i + j] ?? 0) }
            }
        }
    }
}
