/// A bad input (on standard input or in an argument's value) reported as one line, without the usage text
/// that ArgumentParser prints after a `ValidationError`, and never quoting the input itself.
struct InputError: Error, CustomStringConvertible {
    /// The one-line reason.
    let description: String

    /// Creates an error with a one-line reason that must not contain the input.
    init(_ description: String) {
        self.description = description
    }
}
