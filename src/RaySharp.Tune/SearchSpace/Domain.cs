namespace RaySharp.Tune;

/// <summary>
/// A hyperparameter's range in a search space (Ray Tune's <c>Domain</c>): made by <see cref="Tune.Uniform"/>,
/// <see cref="Tune.LogUniform"/>, <see cref="Tune.QUniform"/>, <see cref="Tune.RandInt"/> or <see cref="Tune.Choice"/>,
/// and placed as a value in the param space given to <see cref="Tuner"/>. Each trial gets its own sample.
/// </summary>
public abstract class Domain
{
    private protected Domain()
    {
    }

    /// <summary>Draws one value.</summary>
    internal abstract object? Sample(Random random);

    /// <summary>How the domain reads in a table or a message, e.g. <c>loguniform(0.0001, 0.1)</c>.</summary>
    /// <returns>The description.</returns>
    public abstract override string ToString();
}
