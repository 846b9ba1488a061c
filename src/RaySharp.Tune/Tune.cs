namespace RaySharp.Tune;

/// <summary>
/// Search spaces and trainable wrappers (Ray Tune's <c>tune.*</c> functions). Code in a namespace under
/// <c>RaySharp</c> sees the namespace <c>RaySharp.Tune</c> first: write <c>using Tune = RaySharp.Tune.Tune;</c>
/// inside that namespace to call these as <c>Tune.Uniform(...)</c>.
/// </summary>
public static class Tune
{
    /// <summary>One of the given values, each equally likely (Ray's <c>tune.choice</c>).</summary>
    /// <param name="categories">At least one value: null, bool, string, int, long or double.</param>
    /// <returns>The domain.</returns>
    /// <exception cref="ArgumentException">No value, or a value of another type.</exception>
    public static Domain Choice(params object?[] categories)
    {
        ArgumentNullException.ThrowIfNull(categories);
        if (categories.Length == 0)
        {
            throw new ArgumentException("Tune.Choice needs at least one category.", nameof(categories));
        }
        return new CategoricalDomain(categories.Select((c, i) => ConfigValues.CheckPlain(c, $"Tune.Choice's category {i}", nameof(categories))).ToArray());
    }

    /// <summary>A real number drawn uniformly from [<paramref name="lower"/>, <paramref name="upper"/>] (Ray's <c>tune.uniform</c>).</summary>
    /// <param name="lower">The smallest value.</param>
    /// <param name="upper">The largest value, above <paramref name="lower"/>.</param>
    /// <returns>The domain.</returns>
    /// <exception cref="ArgumentException">A bound is not finite, or <paramref name="lower"/> is not below <paramref name="upper"/>.</exception>
    public static Domain Uniform(double lower, double upper)
    {
        CheckRange(lower, upper, "Tune.Uniform");
        return new FloatDomain(lower, upper, 0, 0);
    }

    /// <summary>
    /// A positive real number whose logarithm is uniform (Ray's <c>tune.loguniform</c>): each decade of
    /// [<paramref name="lower"/>, <paramref name="upper"/>] is equally likely — the usual range for a learning rate.
    /// </summary>
    /// <param name="lower">The smallest value, above 0.</param>
    /// <param name="upper">The largest value, above <paramref name="lower"/>.</param>
    /// <param name="base">The logarithm's base (10 by default; it changes nothing about the distribution but how it prints).</param>
    /// <returns>The domain.</returns>
    /// <exception cref="ArgumentException"><paramref name="lower"/> is not above 0, the range is empty, or the base is not above 1.</exception>
    public static Domain LogUniform(double lower, double upper, double @base = 10)
    {
        CheckRange(lower, upper, "Tune.LogUniform");
        if (lower <= 0)
        {
            throw new ArgumentException($"Tune.LogUniform needs a lower bound above 0, not {lower}.", nameof(lower));
        }
        if (!(@base > 1) || !double.IsFinite(@base))
        {
            throw new ArgumentException($"Tune.LogUniform needs a base above 1, not {@base}.", nameof(@base));
        }
        return new FloatDomain(lower, upper, @base, 0);
    }

    /// <summary>
    /// A real number drawn uniformly from [<paramref name="lower"/>, <paramref name="upper"/>] and rounded to a multiple of
    /// <paramref name="q"/> (Ray's <c>tune.quniform</c>).
    /// </summary>
    /// <param name="lower">The smallest value.</param>
    /// <param name="upper">The largest value, above <paramref name="lower"/>.</param>
    /// <param name="q">The step, above 0.</param>
    /// <returns>The domain.</returns>
    /// <exception cref="ArgumentException">The range is empty, <paramref name="q"/> is not above 0, or a bound is not a
    /// multiple of <paramref name="q"/> (as Ray refuses: every value drawn is one).</exception>
    public static Domain QUniform(double lower, double upper, double q)
    {
        CheckRange(lower, upper, "Tune.QUniform");
        if (!(q > 0) || !double.IsFinite(q))
        {
            throw new ArgumentException($"Tune.QUniform needs a step q above 0, not {q}.", nameof(q));
        }
        foreach (var (bound, name) in new[] { (lower, "lower"), (upper, "upper") })
        {
            // Python's isclose(bound / q, round(bound / q)): a relative tolerance of 1e-9.
            var steps = bound / q;
            if (Math.Abs(steps - Math.Round(steps)) > 1e-9 * Math.Max(Math.Abs(steps), Math.Abs(Math.Round(steps))))
            {
                throw new ArgumentException($"Tune.QUniform's {name} bound {bound} is not divisible by the step q = {q}.", name);
            }
        }
        return new FloatDomain(lower, upper, 0, q);
    }

    /// <summary>An integer from <paramref name="lower"/> up to but not including <paramref name="upper"/>, each equally likely (Ray's <c>tune.randint</c>).</summary>
    /// <param name="lower">The smallest value.</param>
    /// <param name="upper">One past the largest value.</param>
    /// <returns>The domain.</returns>
    /// <exception cref="ArgumentException"><paramref name="upper"/> is not above <paramref name="lower"/>.</exception>
    public static Domain RandInt(int lower, int upper)
    {
        if (upper <= lower)
        {
            throw new ArgumentException($"Tune.RandInt({lower}, {upper}) is empty: the upper bound is exclusive and must be above the lower one.", nameof(upper));
        }
        return new IntegerDomain(lower, upper);
    }

    /// <summary>
    /// Every one of the values (Ray's <c>tune.grid_search</c>): the experiment runs each grid point (the product of all
    /// grid searches in the space), <see cref="TuneConfig.NumSamples"/> times.
    /// </summary>
    /// <param name="values">At least one value: null, bool, string, int, long or double.</param>
    /// <returns>The grid search.</returns>
    /// <exception cref="ArgumentException">No value, or a value of another type.</exception>
    public static GridSearch GridSearch(params object?[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Length == 0)
        {
            throw new ArgumentException("Tune.GridSearch needs at least one value.", nameof(values));
        }
        return new GridSearch(values.Select((v, i) => ConfigValues.CheckPlain(v, $"Tune.GridSearch's value {i}", nameof(values))).ToArray());
    }

    /// <summary>
    /// A trainable that gets a large object through the object store (Ray's <c>tune.with_parameters</c>): the value is
    /// put once, now, and every trial actor reads it with <see cref="TrialContext.GetParameter{T}"/> — once per node,
    /// never copied into each trial's config. Needs <see cref="Ray.Init()"/> first.
    /// </summary>
    /// <typeparam name="T">The object's type (it must serialize, as any task argument).</typeparam>
    /// <param name="trainable">A static method or non-capturing lambda that takes the trial's context.</param>
    /// <param name="parameter">The object.</param>
    /// <returns>The trainable, for <see cref="Tuner"/>.</returns>
    public static TrainableDefinition WithParameters<T>(Action<TrialContext> trainable, T parameter) =>
        WithParameters(TrainableDefinition.FromFunction(trainable), parameter);

    /// <summary>As <see cref="WithParameters{T}(Action{TrialContext}, T)"/>, for a function or class trainable already defined.</summary>
    /// <typeparam name="T">The object's type.</typeparam>
    /// <param name="trainable">The trainable; it must not already have a parameter.</param>
    /// <param name="parameter">The object.</param>
    /// <returns>The trainable, for <see cref="Tuner"/>.</returns>
    /// <exception cref="ArgumentException">The trainable already has a parameter.</exception>
    public static TrainableDefinition WithParameters<T>(TrainableDefinition trainable, T parameter)
    {
        ArgumentNullException.ThrowIfNull(trainable);
        if (trainable.HasParameter)
        {
            throw new ArgumentException($"The trainable {trainable.Name} already has a parameter: pass one object (a record of several) to WithParameters.", nameof(trainable));
        }
        return new ParameterizedTrainable<T>(trainable.Launch, trainable.Name, Ray.Put(parameter));
    }

    private static void CheckRange(double lower, double upper, string what)
    {
        if (!double.IsFinite(lower) || !double.IsFinite(upper) || !(lower < upper))
        {
            throw new ArgumentException($"{what}({lower}, {upper}) needs finite bounds with the lower one below the upper one.", nameof(lower));
        }
    }
}
