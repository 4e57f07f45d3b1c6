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
