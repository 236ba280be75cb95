using System.Runtime.CompilerServices;
using StmFhir.Core.Validation.Engine;

namespace StmFhir.Core.Validation.Bounds;

/// <summary>
/// Bounds Firely's walk of one input: stops it, by an exception the engine turns into an issue, when the thread's
/// stack runs low (no input can overflow it and end the process), when the validation's time budget is spent, or when
/// the caller gives up (the client went away), so a hostile input does not keep a validation slot's CPU.
/// </summary>
/// <remarks>
/// Checked each time Firely asks for a compiled schema (<see cref="SharedSchemaResolver.GetSchema"/>), the fast path
/// on or off: every descent of the walk that can repeat without bound goes through there: a child of a datatype or
/// resource type (extensions in extensions, a Reference's identifier's assigner, contained and Bundle resources), a
/// content reference (Questionnaire items in items), and Firely's dispatch from an abstract type to the instance's
/// type, which recursed without end when an instance claimed the abstract type itself. Between two checks Firely does
/// a bounded amount of work, except inside one FHIRPath evaluation (the quadratic core invariant dom-3 has a linear
/// stand-in, <see cref="ContainedReferences"/>).
/// </remarks>
internal static class WalkGuard
{
    [ThreadStatic]
    private static bool t_active;

    [ThreadStatic]
    private static CancellationToken t_caller;

    [ThreadStatic]
    private static CancellationToken t_budget;

    /// <summary>
    /// Starts guarding the walk on this thread; the returned scope restores what was there before. The stack is
    /// always guarded; <paramref name="caller"/> and <paramref name="budget"/> only while the scope is open.
    /// </summary>
    public static Scope Enter(CancellationToken caller, CancellationToken budget)
    {
        var scope = new Scope(t_active, t_caller, t_budget);
        (t_active, t_caller, t_budget) = (true, caller, budget);
        return scope;
    }

    /// <summary>Throws <see cref="ValidationStoppedException"/> or <see cref="OperationCanceledException"/> when the walk must stop.</summary>
    public static void Check()
    {
        if (!RuntimeHelpers.TryEnsureSufficientExecutionStack())
        {
            throw new ValidationStoppedException(ValidationStop.StackExhausted);
        }
        if (t_active)
        {
            if (t_budget.IsCancellationRequested)
            {
                throw new ValidationStoppedException(ValidationStop.TimeBudget);
            }
            t_caller.ThrowIfCancellationRequested();
        }
    }

    /// <summary>What was guarded before <see cref="Enter"/>, restored on dispose.</summary>
    public readonly struct Scope(bool active, CancellationToken caller, CancellationToken budget) : IDisposable
    {
        public void Dispose() => (t_active, t_caller, t_budget) = (active, caller, budget);
    }
}

/// <summary>Why <see cref="WalkGuard"/> stopped a walk.</summary>
internal enum ValidationStop
{
    /// <summary>The thread's stack ran low: the input nests deeper than the validator can follow.</summary>
    StackExhausted,

    /// <summary>The validation's time budget was spent.</summary>
    TimeBudget,
}

/// <summary>Thrown through Firely's walk by <see cref="WalkGuard"/>; the engine turns it into an issue.</summary>
internal sealed class ValidationStoppedException(ValidationStop reason)
    : Exception(reason == ValidationStop.TimeBudget ? "The validation's time budget was spent." : "The input nests too deeply to validate.")
{
    public ValidationStop Reason { get; } = reason;
}
