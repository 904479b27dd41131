import TesseraAuth
import TesseraServer
import TesseraStore

/// The status of a flow's error: the domain's refusals by kind, the store's failures without their text.
enum AuthCallError {
    static func from(_ error: any Error) -> CallError {
        switch error {
        case let error as AuthError:
            switch error.code {
            case .invalidArgument: CallError(.invalidArgument, error.message)
            case .failedPrecondition: CallError(.failedPrecondition, error.message)
            case .notFound: CallError(.notFound, error.message)
            case .alreadyExists: CallError(.alreadyExists, error.message)
            case .resourceExhausted: CallError(.resourceExhausted, error.message)
            }
        case let error as StoreError where error.code == .connection:
            CallError(.unavailable, "the store is unavailable; retry")
        case let error as StoreError where error.code == .conflict:
            CallError(.aborted, "the operation conflicted with a concurrent one and changed nothing; retry")
        case is StoreError:
            CallError(.internal, "internal error")
        default:
            CallError.from(error)
        }
    }

    /// Runs a flow, translating its errors.
    static func run<Value: Sendable>(_ body: () async throws -> Value) async throws -> Value {
        do {
            return try await body()
        } catch {
            throw from(error)
        }
    }
}
