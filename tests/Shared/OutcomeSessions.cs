using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace StmFhir.Tests.Shared;

/// <summary>
/// One patient's three weekly STM sessions (sample 01, each a week later), with pain before, right after and at follow-up
/// of each session and right elbow active flexion before and after, with values whose changes are known:
/// pain pre 6, 5, 3; post 4, 3, 2; follow-up 5, 3, 2; flexion pre 120, 128, 135; post 130, 136, 140.
/// </summary>
internal static partial class OutcomeSessions
{
    /// <summary>The sample's patient identifier system.</summary>
    public const string MrnSystem = "https://example-hospital.org/mrn";

    public static readonly int[] PainPre = [6, 5, 3];
    public static readonly int[] PainPost = [4, 3, 2];
    public static readonly int[] PainFollowUp = [5, 3, 2];
    public static readonly int[] FlexionPre = [120, 128, 135];
    public static readonly int[] FlexionPost = [130, 136, 140];

    /// <summary>The <paramref name="count"/> sessions of the patient with MRN <paramref name="mrn"/> (values repeat every three sessions).</summary>
    public static IEnumerable<string> Create(string mrn, int count = 3)
    {
        var sample = File.ReadAllText(RepoRoot.Combine("samples", "sessions", "01-lateral-epicondylitis-iastm.json"));
        for (var k = 0; k < count; k++)
        {
            var shifted = DateTimes().Replace(sample, m => DateTimeOffset.Parse(m.Value, CultureInfo.InvariantCulture).AddDays(7 * k)
                .ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture));
            var json = JsonNode.Parse(shifted)!.AsObject();
            json.Remove("$schema");
            json["sessionId"] = $"{mrn}-S{k + 1}";
            json["patient"]!["identifier"]!["value"] = mrn;
            var start = DateTimeOffset.Parse(json["start"]!.GetValue<string>(), CultureInfo.InvariantCulture);
            var i = k % 3;
            json["painScores"] = new JsonArray(
                Pain(PainPre[i], "pre", start.AddMinutes(-6)), Pain(PainPost[i], "post", start.AddMinutes(25)),
                Pain(PainFollowUp[i], "follow-up", start.AddDays(6)));
            json["romMeasurements"] = new JsonArray(Flexion(FlexionPre[i], "pre", start.AddMinutes(-4)), Flexion(FlexionPost[i], "post", start.AddMinutes(26)));
            yield return json.ToJsonString();
        }
    }

    private static JsonObject Pain(int score, string timing, DateTimeOffset at) => new()
    {
        ["score"] = score, ["timing"] = timing, ["site"] = "elbow", ["laterality"] = "right", ["takenAt"] = Text(at),
    };

    private static JsonObject Flexion(int degrees, string timing, DateTimeOffset at) => new()
    {
        ["joint"] = "elbow", ["movement"] = "flexion", ["mode"] = "active", ["side"] = "right", ["degrees"] = degrees,
        ["timing"] = timing, ["method"] = "goniometer", ["takenAt"] = Text(at),
    };

    private static string Text(DateTimeOffset at) => at.ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);

    [GeneratedRegex(@"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}")]
    private static partial Regex DateTimes();
}
