import Foundation

/// A point in pixels (x to the right, y down).
public struct PixelPoint: Sendable, Equatable, Codable {
    /// Horizontal position in pixels.
    public var x: Double
    /// Vertical position in pixels (down).
    public var y: Double
    /// A point at (x, y).
    public init(_ x: Double, _ y: Double) { self.x = x; self.y = y }

    /// The vector sum.
    public static func + (a: PixelPoint, b: PixelPoint) -> PixelPoint { PixelPoint(a.x + b.x, a.y + b.y) }
    /// The vector difference.
    public static func - (a: PixelPoint, b: PixelPoint) -> PixelPoint { PixelPoint(a.x - b.x, a.y - b.y) }
    /// The point scaled by `k` about the origin.
    public static func * (a: PixelPoint, k: Double) -> PixelPoint { PixelPoint(a.x * k, a.y * k) }
    /// The Euclidean distance to another point.
    public func distance(to p: PixelPoint) -> Double { hypot(p.x - x, p.y - y) }
    /// The midpoint of two points.
    public static func mid(_ a: PixelPoint, _ b: PixelPoint) -> PixelPoint { PixelPoint((a.x + b.x) / 2, (a.y + b.y) / 2) }
}

/// An affine map of the plane: x′ = a·x + b·y + c, y′ = d·x + e·y + f.
public struct Affine2D: Sendable, Equatable {
    /// The six coefficients, as in x′ = a·x + b·y + c, y′ = d·x + e·y + f.
    public var a, b, c, d, e, f: Double

    /// A map from its coefficients.
    public init(a: Double, b: Double, c: Double, d: Double, e: Double, f: Double) {
        self.a = a; self.b = b; self.c = c; self.d = d; self.e = e; self.f = f
    }

    /// The identity.
    public static let identity = Affine2D(a: 1, b: 0, c: 0, d: 0, e: 1, f: 0)

    /// Rotation by `radians` (counter-clockwise on screen is negative: y points down) and uniform scale `s`
    /// about the origin, then translation by (tx, ty).
    public static func similarity(scale s: Double, rotation radians: Double, tx: Double, ty: Double) -> Affine2D {
        let cs = cos(radians) * s, sn = sin(radians) * s
        return Affine2D(a: cs, b: -sn, c: tx, d: sn, e: cs, f: ty)
    }

    /// The six numbers `[a, b, c, d, e, f]`.
    public var coefficients: [Double] { [a, b, c, d, e, f] }

    /// The image of a point.
    public func apply(_ p: PixelPoint) -> PixelPoint { PixelPoint(a * p.x + b * p.y + c, d * p.x + e * p.y + f) }

    /// The inverse map (the transform must be invertible).
    public var inverted: Affine2D {
        let det = a * e - b * d
        return Affine2D(a: e / det, b: -b / det, c: (b * f - e * c) / det,
                               d: -d / det, e: a / det, f: (d * c - a * f) / det)
    }

    /// `self` after `first`: p ↦ self(first(p)).
    public func after(_ first: Affine2D) -> Affine2D {
        Affine2D(a: a * first.a + b * first.d, b: a * first.b + b * first.e, c: a * first.c + b * first.f + c,
                        d: d * first.a + e * first.d, e: d * first.b + e * first.e, f: d * first.c + e * first.f + f)
    }

    /// The uniform scale factor (the square root of the determinant's magnitude).
    public var scale: Double { sqrt(abs(a * e - b * d)) }
}
