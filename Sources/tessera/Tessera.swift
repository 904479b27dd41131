import ArgumentParser

/// The `tessera` command: every operator entry point of the service.
@main
struct Tessera: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tessera",
        abstract: "Tessera: password hashing, TOTP, envelope encryption and token lifecycle as a service.",
        subcommands: []
    )
}
