using System.Collections.Concurrent;
using System.Text;

namespace StmFhir.Tests.Shared.Fuzz;

/// <summary>One failure: which case, where it was sent, and its signature (status or exception type, and the symptom).</summary>
/// <param name="Case">The case (its id regenerates it).</param>
/// <param name="Endpoint">Method and route, e.g. <c>POST /fhir/{type}/$validate</c>, or <c>engine</c>.</param>
/// <param name="Signature">What went wrong, e.g. <c>500 System.InvalidOperationException at Hl7.Fhir...</c>, <c>over budget</c>, <c>process exited</c>.</param>
internal sealed record FuzzFailure(FuzzCase Case, string Endpoint, string Signature)
{
    /// <summary>Where the input (and its minimized form) was saved.</summary>
    public string? SavedAs { get; set; }

    /// <summary>The minimized input as text, when it is short enough to print.</summary>
    public string? Minimized { get; set; }
}

/// <summary>Every failure of a run, grouped by endpoint and signature, with the first case of each saved for replay.</summary>
internal sealed class FuzzFindings(FuzzSettings settings, string runName)
{
    private readonly ConcurrentQueue<FuzzFailure> _failures = new();
    private int _cases;
    private int _requests;

    public string Folder { get; } = Path.Combine(settings.OutputDirectory, $"{runName}-{settings.Seed}-{DateTime.UtcNow:yyyyMMddHHmmss}");

    public IReadOnlyCollection<FuzzFailure> Failures => _failures;

    public int Cases => _cases;

    public int Requests => _requests;

    /// <summary>Peak resident memory of the process under test (bytes), when measured.</summary>
    public long PeakRssBytes { get; set; }

    /// <summary>How long the run took.</summary>
    public TimeSpan Elapsed { get; set; }

    public void CountCase() => Interlocked.Increment(ref _cases);

    public void CountRequest() => Interlocked.Increment(ref _requests);

    /// <summary>Records a failure; the first of its signature is saved. Returns true when the signature is new.</summary>
    public bool Add(FuzzFailure failure, byte[]? body)
    {
        var isNew = !_failures.Any(f => f.Endpoint == failure.Endpoint && f.Signature == failure.Signature);
        _failures.Enqueue(failure);
        if (isNew && body is not null)
        {
            failure.SavedAs = Save($"{Slug(failure.Endpoint)}-{Slug(failure.Case.Id)}", failure.Case.Xml is null ? "json" : "xml", body);
        }
        return isNew;
    }

    /// <summary>Writes <paramref name="body"/> under <see cref="Folder"/>; returns its path.</summary>
    public string Save(string name, string extension, byte[] body)
    {
        Directory.CreateDirectory(Folder);
        var path = Path.Combine(Folder, $"{name}.{extension}");
        File.WriteAllBytes(path, body);
        return path;
    }

    /// <summary>Counts per endpoint and signature, then the first case of each with its replay and input.</summary>
    public string Summary()
    {
        var text = new StringBuilder();
        text.AppendLine($"fuzz: {Cases} cases, {Requests} requests in {Elapsed.TotalSeconds:F0} s, seed {settings.Seed}, budget {settings.Budget.TotalSeconds} s/request"
            + (PeakRssBytes > 0 ? $", peak RSS {PeakRssBytes / (1024 * 1024)} MB" : ""));
        var groups = _failures.GroupBy(f => (f.Endpoint, f.Signature)).OrderByDescending(g => g.Count()).ToList();
        text.AppendLine($"{_failures.Count} failures, {groups.Count} signatures{(groups.Count > 0 ? $", inputs in {Folder}" : "")}");
        foreach (var group in groups)
        {
            var first = group.First(f => f.SavedAs is not null || f == group.First());
            text.AppendLine($"- {group.Count()}x {group.Key.Endpoint}: {group.Key.Signature}");
            text.AppendLine($"    first: {first.Case} ({settings.ReplayHint(first.Case.Id)})");
            text.AppendLine($"    kinds: {string.Join(", ", group.Select(f => f.Case.Kind).Distinct().Order(StringComparer.Ordinal))}");
            if (first.SavedAs is not null)
            {
                text.AppendLine($"    saved: {first.SavedAs}");
            }
            if (first.Minimized is not null)
            {
                text.AppendLine($"    minimized: {first.Minimized}");
            }
        }
        return text.ToString();
    }

    private static string Slug(string text) => new([.. text.Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-')]);
}
