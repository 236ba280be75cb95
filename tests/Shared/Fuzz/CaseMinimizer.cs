using System.Diagnostics;
using System.Text.Json.Nodes;

namespace StmFhir.Tests.Shared.Fuzz;

/// <summary>
/// Shrinks a failing tree while it still fails the same way: greedily removes properties and array items, biggest
/// subtrees first, keeping each removal that keeps the failure. Bounded in attempts and time; the result is what is
/// printed and saved, beside the case id that regenerates the original.
/// </summary>
internal static class CaseMinimizer
{
    public static async Task<JsonObject> MinimizeAsync(JsonObject failing, Func<JsonObject, Task<bool>> stillFails, int maxAttempts = 400, TimeSpan? maxTime = null)
    {
        var current = failing.DeepClone().AsObject();
        var clock = Stopwatch.StartNew();
        var limit = maxTime ?? TimeSpan.FromSeconds(60);
        var attempts = 0;
        bool progress;
        do
        {
            progress = false;
            var places = JsonWalk.Nodes(current).Where(p => p.Parent is not null)
                .Select((p, order) => (p.Path, Size: p.Node?.ToJsonString().Length ?? 4, order))
                .OrderByDescending(p => p.Size).ThenBy(p => p.order).Select(p => p.Path).ToList();
            foreach (var path in places)
            {
                if (attempts >= maxAttempts || clock.Elapsed > limit)
                {
                    return current;
                }
                var candidate = current.DeepClone().AsObject();
                if (JsonWalk.Nodes(candidate).FirstOrDefault(p => p.Path == path && p.Parent is not null) is not { } place)
                {
                    continue;
                }
                place.Remove();
                attempts++;
                if (await stillFails(candidate).ConfigureAwait(false))
                {
                    current = candidate;
                    progress = true;
                    break;
                }
            }
        }
        while (progress);
        return current;
    }

    /// <summary>The synchronous form, for in-process engine runs.</summary>
    public static JsonObject Minimize(JsonObject failing, Func<JsonObject, bool> stillFails, int maxAttempts = 2000) =>
        MinimizeAsync(failing, d => Task.FromResult(stillFails(d)), maxAttempts).GetAwaiter().GetResult();
}
