using System.CommandLine;
using RaySharp.Common.Security;

namespace RaySharp.Cli;

/// <summary>
/// `raysharp start`'s security options: the cluster token (--auth-token-file, else RAYSHARP_AUTH_TOKEN(_PATH),
/// else ~/.raysharp/auth_token, which a head creates when missing), --auth-mode disabled for closed
/// networks, and mutual TLS (--tls-cert/--tls-key/--tls-ca or RAYSHARP_TLS_*). Processes the CLI starts
/// get the result through their environment, never their arguments.
/// </summary>
internal sealed class SecurityOptions
{
    public Option<string?> TokenFile { get; } = new("--auth-token-file")
    {
        Description = $"A file holding the cluster's auth token (default: {AuthToken.Variable}, else {AuthToken.UserTokenFile}, which a head creates).",
    };

    public Option<string> Mode { get; } = new("--auth-mode")
    {
        Description = "token (default): every RPC must carry the cluster's token; disabled: no check, for closed networks only.",
        DefaultValueFactory = _ => DefaultMode(),
    };

    public Option<string?> Cert { get; } = new("--tls-cert") { Description = $"This node's TLS certificate (PEM), with --tls-key and --tls-ca (or {TlsSettings.CertVariable})." };

    public Option<string?> Key { get; } = new("--tls-key") { Description = "The private key (PEM) of --tls-cert." };

    public Option<string?> Ca { get; } = new("--tls-ca") { Description = "The cluster's CA certificate (PEM): peers must present a certificate it signed." };

    public void AddTo(Command command)
    {
        command.Options.Add(TokenFile);
        command.Options.Add(Mode);
        command.Options.Add(Cert);
        command.Options.Add(Key);
        command.Options.Add(Ca);
    }

    /// <summary>The errors of these options alone (mode spelling, TLS given in part).</summary>
    public void Validate(System.CommandLine.Parsing.CommandResult result)
    {
        // A validator sees no default value for an option that was not given.
        var mode = result.GetValue(Mode) ?? DefaultMode();
        if (mode is not (AuthToken.TokenMode or AuthToken.DisabledMode))
        {
            result.AddError($"--auth-mode must be '{AuthToken.TokenMode}' or '{AuthToken.DisabledMode}', not '{mode}'.");
        }
        if (mode == AuthToken.DisabledMode && result.GetValue(TokenFile) is not null)
        {
            result.AddError("--auth-token-file has no use with --auth-mode disabled.");
        }
        var tls = new[] { result.GetValue(Cert), result.GetValue(Key), result.GetValue(Ca) }.Count(v => v is not null);
        if (tls is not (0 or 3))
        {
            result.AddError("TLS needs all three of --tls-cert, --tls-key and --tls-ca.");
        }
    }

    private static string DefaultMode() =>
        Environment.GetEnvironmentVariable(AuthToken.ModeVariable) is { Length: > 0 } mode ? mode.ToLowerInvariant() : AuthToken.TokenMode;

    /// <summary>The node's security; a head creates the user's token when none is given or stored.</summary>
    /// <exception cref="ArgumentException">A token file or TLS file is unusable.</exception>
    /// <exception cref="InvalidOperationException">A joining node has no token.</exception>
    public ClusterSecurity Resolve(ParseResult parse, bool head)
    {
        var tls = TlsSettings.From(parse.GetValue(Cert), parse.GetValue(Key), parse.GetValue(Ca)) ?? TlsSettings.FromEnvironment();
        if (parse.GetValue(Mode) == AuthToken.DisabledMode)
        {
            Console.Error.WriteLine("WARNING: authentication is disabled (--auth-mode disabled): anyone who reaches this node's ports can run code on it. Use it only on a closed network.");
            return new ClusterSecurity { Tls = tls };
        }
        var token = parse.GetValue(TokenFile) is { } file ? AuthToken.ReadFile(file) : ClusterSecurity.ResolveToken(null, createUserToken: head);
        return new ClusterSecurity { Token = token, Tls = tls };
    }
}
