using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace StmFhir.Core.Validation;

/// <summary>
/// The validation engine's metrics and traces (meter and activity source <c>StmFhir.Validation</c>). They cost a few
/// time stamps per validation, and nothing more unless a listener (the gateway's OpenTelemetry SDK) subscribes.
/// Labels are layer names only, never anything from the validated resource.
/// </summary>
public static class ValidationTelemetry
{
    /// <summary>The meter's and the activity source's name.</summary>
    public const string Name = "StmFhir.Validation";

    /// <summary>The label that names the layer.</summary>
    public const string LayerTag = "stmfhir.validation.layer";

    /// <summary>Firely's walk: structure, core invariants, the StmFhir profiles and terminology (one walk, not separable).</summary>
    public const string FirelyLayer = "structure_profiles_terminology";

    /// <summary>The Bundle rules (STM-BDL).</summary>
    public const string BundleLayer = "bundle_rules";

    /// <summary>The STM clinical rules (STM-CLIN).</summary>
    public const string ClinicalLayer = "clinical_rules";

    /// <summary>The interoperability rules.</summary>
    public const string InteropLayer = "interop_rules";

    private static readonly Meter Meter = new(Name);

    /// <summary>The spans of validations (<c>stmfhir.validate</c>).</summary>
    public static ActivitySource Source { get; } = new(Name);

    private static readonly Histogram<double> Duration = Meter.CreateHistogram<double>(
        "stmfhir.validation.duration", unit: "s", description: "Time one validation spent in each layer.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });

    /// <summary>Records the time since <paramref name="started"/> (a <see cref="Stopwatch.GetTimestamp"/>) for <paramref name="layer"/>; returns now.</summary>
    internal static long Record(string layer, long started)
    {
        var now = Stopwatch.GetTimestamp();
        if (Duration.Enabled)
        {
            Duration.Record(Stopwatch.GetElapsedTime(started, now).TotalSeconds, new KeyValuePair<string, object?>(LayerTag, layer));
        }
        return now;
    }
}
