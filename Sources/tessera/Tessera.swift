import ArgumentParser

/// The `tessera` command: every operator entry point of the service.
@main
struct Tessera: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tessera",
        abstract: "Tessera: password hashing, TOTP, envelope encryption and token lifecycle as a service.",
        discussion: """
            Secrets (passwords, plaintexts, TOTP secrets, tokens) are read from standard input, never from
            arguments, so they stay out of shell history and process listings.
            """,
        subcommands: [
            DemoCommand.self, PasswordCommand.self, SecretCommand.self, TotpCommand.self, TokenCommand.self,
            ServeCommand.self, CallersCommand.self, CallCommand.self, HealthCommand.self, MigrateCommand.self,
            KeysCommand.self, AuditCommand.self, UsersCommand.self, InvitationsCommand.self,
        ]
    )
}
