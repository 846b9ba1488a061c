namespace RaySharp.Common.Security;

/// <summary>
/// How this process's RPCs are protected: the cluster token every call carries and every server checks
/// (null: authentication disabled), and TLS for TCP links. One value per process, set by whoever starts
/// it (Ray.Init, a CLI node) before any server or channel is made; processes started by RaySharp
/// (workers, the GCS process) inherit it through their environment, never their arguments.
/// </summary>
public sealed record ClusterSecurity
{
    private static ClusterSecurity? s_current;

    /// <summary>The cluster token; null when authentication is disabled.</summary>
    public string? Token { get; init; }

    /// <summary>Mutual TLS for TCP links; null for plain HTTP/2.</summary>
    public TlsSettings? Tls { get; init; }

    /// <summary>Whether servers check, and clients send, the token.</summary>
    public bool AuthEnabled => Token is not null;

    /// <summary>The process's settings: as set by <see cref="Use"/>, else from the environment.</summary>
    public static ClusterSecurity Current => s_current ??= FromEnvironment(createUserToken: false);

    /// <summary>Sets the process's settings (before its servers start and its channels are made).</summary>
    public static void Use(ClusterSecurity security)
    {
        if (!Equals(s_current, security))
        {
            s_current = security;
            // Channels made before carry the old token or TLS settings.
            Transport.ChannelPool.Clear();
        }
    }

    /// <summary>Keeps the token in <paramref name="directory"/>/auth_token (0600), for tools pointed at a session.</summary>
    public void SaveTo(string directory)
    {
        if (Token is not null)
        {
            PrivateFiles.WriteAllText(Path.Combine(directory, "auth_token"), Token);
        }
    }

    /// <summary>
    /// From the environment: <see cref="AuthToken.ModeVariable"/>=disabled, else a token from
    /// <see cref="AuthToken.Variable"/>/<see cref="AuthToken.PathVariable"/>, else the user's token file
    /// (created when <paramref name="createUserToken"/>); TLS from its variables.
    /// </summary>
    /// <exception cref="InvalidOperationException">No token anywhere, and none may be created.</exception>
    public static ClusterSecurity FromEnvironment(bool createUserToken) => new()
    {
        Token = AuthToken.DisabledByEnvironment() ? null : ResolveToken(null, createUserToken),
        Tls = TlsSettings.FromEnvironment(),
    };

    /// <summary>The token: <paramref name="given"/>, else from the environment, else the user's file (created when allowed).</summary>
    /// <exception cref="InvalidOperationException">No token anywhere, and none may be created.</exception>
    public static string ResolveToken(string? given, bool createUserToken)
    {
        if (given is not null)
        {
            return AuthToken.Check(given, "the configuration");
        }
        return AuthToken.FromEnvironment()
            ?? (createUserToken ? AuthToken.LoadOrCreateUserToken() : AuthToken.FromUserFile())
            ?? throw new InvalidOperationException(
                $"This RaySharp cluster needs its auth token and none was given. On the head run 'raysharp get-auth-token' and pass the token as " +
                $"{AuthToken.Variable} (or RayConfig.AuthToken, or a file named by --auth-token-file/{AuthToken.PathVariable}); " +
                $"on the head's machine it is read from {AuthToken.UserTokenFile}.");
    }

    /// <summary>The environment a process this one starts needs to join the same cluster (token by value: never in argv).</summary>
    public IEnumerable<KeyValuePair<string, string>> ToEnvironment()
    {
        yield return new(AuthToken.ModeVariable, Token is null ? AuthToken.DisabledMode : AuthToken.TokenMode);
        if (Token is not null)
        {
            yield return new(AuthToken.Variable, Token);
        }
        if (Tls is not null)
        {
            foreach (var variable in Tls.ToEnvironment())
            {
                yield return variable;
            }
        }
    }
}
