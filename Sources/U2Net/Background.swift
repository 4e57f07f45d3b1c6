import Imaging
import Matting

/// What a flattened photo's subject is put in front of.
public enum Background: Sendable, Equatable {
    /// A solid colour, 8-bit sRGB.
    case color(red: UInt8, green: UInt8, blue: UInt8)
    /// Another image, scaled with Lanczos to cover the photo, centred and cropped.
    case image(Image)

    /// The colour names ``init(color:)`` accepts, alphabetically (besides `#RRGGBB`).
    public static var colorNames: [String] { Composite.namedColors.keys.sorted() }

    /// A colour background from its name (`white`, `off-white`, `light-grey`, `pale-blue`, `black`, any case)
    /// or `#RRGGBB` (the `#` optional); nil for anything else.
    public init?(color text: String) {
        guard let (r, g, b) = Composite.color(text) else { return nil }
        self = .color(red: r, green: g, blue: b)
    }

    /// The background as pixels for a `width × height` photo: the colour everywhere, or the image scaled to cover.
    func pixels(width: Int, height: Int) -> Image {
        switch self {
        case let .color(r, g, b): return Image(width: width, height: height, color: (r, g, b))
        case let .image(image): return Composite.cover(image, width: width, height: height)
        }
    }
}
