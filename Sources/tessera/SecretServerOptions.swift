import ArgumentParser

/// `--server` and the connection options of `tessera secret`: seal and open through a running server's `Secrets`
/// service with a caller credential, instead of opening the database with the root key.
struct SecretServerOptions: ParsableArguments {
    @Flag(
        name: .customLong("server"),
        help: ArgumentHelp(
            "Go through a running server's Secrets service (tessera.v1.Secrets/Seal, /Open) at --host/--port with "
                + "the credential of --credential-file or $TESSERA_CREDENTIAL, instead of the database and the root "
                + "key.",
            discussion: "The caller needs the method granted (e.g. --allow 'tessera.v1.Secrets/*')."
        )
    )
    var server = false

    @OptionGroup var client: ClientOptions

    @Option(name: .customLong("timeout"), help: "Seconds the call to the server may take (with --server).")
    var timeoutSeconds: Double = 30

    /// Refuses store options together with `--server`: the command would silently ignore them.
    func check(_ store: StoreOptions) throws {
        if server && store.isGiven {
            throw ValidationError("give --server or the store options (--database-url…), not both")
        }
    }
}
