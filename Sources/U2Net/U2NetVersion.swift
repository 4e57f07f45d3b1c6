/// The version of the library and of `u2net-run` (`u2net-run --version`).
public enum U2NetVersion {
    /// Semantic version, `major.minor.patch`.
    public static let string = "1.0.0"
}
