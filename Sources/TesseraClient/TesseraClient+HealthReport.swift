import TesseraWire

extension TesseraClient {
    /// The server's answer to ``TesseraClient/health(timeout:)``.
    public struct HealthReport: Sendable, Hashable {
        /// The state of one component of the server ("store", "keyring", …).
        public struct Component: Sendable, Hashable {
            /// The component's name.
            public let name: String
            /// Whether it can do its work.
            public let isServing: Bool
            /// A short reason when it is not serving; empty otherwise.
            public let message: String

            /// Creates a component state.
            ///
            /// - Parameters:
            ///   - name: The component's name.
            ///   - isServing: Whether it can do its work.
            ///   - message: Why not, when it cannot.
            public init(name: String, isServing: Bool, message: String) {
                self.name = name
                self.isServing = isServing
                self.message = message
            }
        }

        /// Whether the server can serve calls now (every component serving).
        public let isServing: Bool
        /// The state of each component the server has.
        public let components: [Component]

        /// Creates a report.
        ///
        /// - Parameters:
        ///   - isServing: The overall verdict.
        ///   - components: The components' states.
        public init(isServing: Bool, components: [Component]) {
            self.isServing = isServing
            self.components = components
        }

        /// Reads the wire response; an unspecified status counts as not serving.
        init(_ response: Tessera_V1_HealthCheckResponse) {
            self.isServing = response.status == .serving
            self.components = response.components.map {
                Component(name: $0.name, isServing: $0.status == .serving, message: $0.message)
            }
        }
    }
}
