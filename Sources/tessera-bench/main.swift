import ArgumentParser
import Foundation
import NIOCore
import NIOPosix

// With TESSERA_BENCH_NIO_EXECUTOR=1, NIO's event loops become Swift Concurrency's global executor for the whole
// run: a task resumed by a PostgreSQL reply then continues on the event loop that read it, instead of hopping to
// the cooperative pool (the driver's cost per statement that docs/storage.md measures). It must happen on the main
// thread before any task runs, so before the command is parsed; NIO refuses a second installation.
if ProcessInfo.processInfo.environment["TESSERA_BENCH_NIO_EXECUTOR"] == "1" {
    guard NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor() else {
        FileHandle.standardError.write(Data("tessera-bench: NIO could not take over the concurrency executor\n".utf8))
        exit(1)
    }
    FileHandle.standardError.write(
        Data("tessera-bench: NIO's event loops run Swift Concurrency (TESSERA_BENCH_NIO_EXECUTOR=1)\n".utf8))
}
// The command runs in a task (an async context, where `main(_:)` resolves to AsyncParsableCommand's); the main
// thread serves the main queue until it exits.
Task {
    await TesseraBenchTool.main(nil)
    exit(0)
}
dispatchMain()
