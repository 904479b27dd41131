/// Converts a `Duration` to seconds as a `Double`, for date arithmetic against `Date`.
public enum DurationSeconds {
    /// The duration in (fractional) seconds.
    public static func of(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
