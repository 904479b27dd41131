extension Tessera_Wire_V1_Status {
    /// Creates a status from a code and a short reason.
    ///
    /// - Parameters:
    ///   - code: The status code.
    ///   - message: A short reason that reveals nothing secret; empty for ``StatusCode/ok``.
    public init(_ code: StatusCode, _ message: String = "") {
        self.init()
        self.code = code.protoCode
        self.message = message
    }

    /// The status code, with numbers this version does not know mapped to ``StatusCode/unknown``.
    public var statusCode: StatusCode {
        StatusCode(self.code)
    }
}
