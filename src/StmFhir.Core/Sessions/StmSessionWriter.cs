using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace StmFhir.Core.Sessions;

/// <summary>Writes sessions in the STM session JSON format (the inverse of <see cref="StmSessionReader"/>).</summary>
public static class StmSessionWriter
{
    private static readonly JsonSerializerOptions s_options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>The session as indented JSON.</summary>
    public static string Write(StmSession session) => JsonSerializer.Serialize(session, s_options);
}
