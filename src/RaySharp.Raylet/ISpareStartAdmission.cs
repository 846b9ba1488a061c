namespace RaySharp.Raylet;

/// <summary>
/// Memory admission for the spare workers the pool starts on its own (<see cref="WarmWorkers"/>): one budget with the
/// starts admitted for leases, so that neither side admits against memory the other has already promised.
/// </summary>
internal interface ISpareStartAdmission
{
    /// <summary>Reserves up to <paramref name="wanted"/> worker starts in the budget; returns how many fit (each to be released).</summary>
    int Reserve(int wanted);

    /// <summary>Ends reservations once their processes are started (the measurements then see them) or were not started.</summary>
    void Release(int reserved);
}
