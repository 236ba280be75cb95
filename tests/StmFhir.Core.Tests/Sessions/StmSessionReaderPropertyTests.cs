using System.Text.Json.Nodes;
using CsCheck;
using StmFhir.Core.Sessions;

namespace StmFhir.Core.Tests.Sessions;

/// <summary>Properties: any input gives a result and never an exception; any valid session survives Write then Read.</summary>
public sealed class StmSessionReaderPropertyTests
{
    private static readonly IReadOnlyList<string> s_names = SampleFiles.Names();

    private static void AssertConsistent(SessionReadResult result)
    {
        Assert.Equal(result.Problems.Count == 0, result.Session is not null);
        Assert.All(result.Problems, p =>
        {
            Assert.StartsWith("$", p.Path, StringComparison.Ordinal);
            Assert.False(string.IsNullOrWhiteSpace(p.Message));
        });
    }

    [Fact]
    public void Read_RandomBytes_NeverThrows() =>
        Gen.Byte.Array[0, 400].Sample(bytes => AssertConsistent(StmSessionReader.Read(bytes)), iter: 3000);

    [Fact]
    public void Read_RandomJsonishText_NeverThrows() =>
        Gen.Char["{}[]\":,\\ \n0123456789.eE+-tfnulrsa\u00e9\ud800"].Array[0, 200]
            .Sample(chars => AssertConsistent(StmSessionReader.Read(new string(chars))), iter: 3000);

    /// <summary>Byte edits (overwrite, insert, delete) on a real sample reach deep into the reader before they break it.</summary>
    [Fact]
    public void Read_SampleWithRandomByteEdits_NeverThrows()
    {
        var samples = s_names.Select(SampleFiles.Bytes).ToArray();
        var edit = Gen.Select(Gen.Int[0, 2], Gen.Int.NonNegative, Gen.OneOf(Gen.Byte, Gen.OneOfConst((byte)'"', (byte)'\\', (byte)'{', (byte)']', (byte)0xC3, (byte)0xFF)));
        Gen.Select(Gen.Int[0, samples.Length - 1], edit.Array[1, 6]).Sample((which, edits) =>
        {
            var bytes = samples[which].ToList();
            foreach (var (op, at, value) in edits)
            {
                var i = at % (bytes.Count + 1);
                switch (op)
                {
                    case 0 when i < bytes.Count: bytes[i] = value; break;
                    case 1: bytes.Insert(i, value); break;
                    case 2 when i < bytes.Count: bytes.RemoveAt(i); break;
                }
            }
            AssertConsistent(StmSessionReader.Read(bytes.ToArray()));
        }, iter: 2000);
    }

    private static readonly Gen<JsonNode?> s_anyValue = Gen.OneOf(
        Gen.Const(() => (JsonNode?)null),
        Gen.Bool.Select(b => (JsonNode?)JsonValue.Create(b)),
        Gen.Int.Select(i => (JsonNode?)JsonValue.Create(i)),
        Gen.Decimal.Select(d => (JsonNode?)JsonValue.Create(d)),
        Gen.OneOfConst(0m, 1m, 10m, 10.5m, 120m, 121m, 360m, -1m, 1e20m).Select(d => (JsonNode?)JsonValue.Create(d)),
        Gen.OneOfConst("", " ", "x", " x", "completed", "not-done", "instrument-assisted", "manual", "left", "sweep",
                "2026-03-02T09:30:00Z", "2026-03-02T09:30:00", "1984-06-17", "https://a.example", "/stm", "202855006", "M77.12",
                "\u00e9\u65e5", "\ud83d\ude00", new string('x', 3000))
            .Select(s => (JsonNode?)JsonValue.Create(s)),
        Gen.Const(() => (JsonNode?)new JsonObject()),
        Gen.Const(() => (JsonNode?)new JsonArray()),
        Gen.Const(() => (JsonNode?)new JsonArray(1, "a", null, new JsonObject())));

    /// <summary>Structural edits on a real sample: replace, remove or rename a value anywhere in the tree.</summary>
    [Fact]
    public void Read_SampleWithRandomTreeEdits_NeverThrows()
    {
        Gen.Select(Gen.Int[0, s_names.Count - 1], Gen.Select(Gen.Int[0, 2], Gen.Int.NonNegative, s_anyValue).Array[1, 4])
            .Sample((which, edits) =>
            {
                var root = SampleFiles.Node(s_names[which]);
                foreach (var (op, at, value) in edits)
                {
                    var slots = Slots(root).ToList();
                    var (parent, key) = slots[at % slots.Count];
                    Apply(parent, key, op, value?.DeepClone());
                }
                AssertConsistent(StmSessionReader.Read(root.ToJsonString()));
            }, iter: 2000);
    }

    [Fact]
    public void WriteThenRead_AnyValidSession_GivesTheSameJson() =>
        StmSessionGen.Session.Sample(session =>
        {
            var written = StmSessionWriter.Write(session);

            var read = StmSessionReader.Read(written);

            Assert.True(read.IsValid, string.Join("\n", read.Problems) + "\n" + written);
            Assert.Equal(written, StmSessionWriter.Write(read.Session!));
        }, iter: 500);

    private static IEnumerable<(JsonNode Parent, object Key)> Slots(JsonNode node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, child) in obj.ToList())
                {
                    yield return (obj, name);
                    if (child is not null)
                    {
                        foreach (var slot in Slots(child)) yield return slot;
                    }
                }
                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    yield return (array, i);
                    if (array[i] is { } child)
                    {
                        foreach (var slot in Slots(child)) yield return slot;
                    }
                }
                break;
        }
    }

    private static void Apply(JsonNode parent, object key, int op, JsonNode? value)
    {
        switch (parent, key, op)
        {
            case (JsonObject obj, string name, 0): obj[name] = value; break;
            case (JsonObject obj, string name, 1): obj.Remove(name); break;
            case (JsonObject obj, string name, _):
                var moved = obj[name];
                obj.Remove(name);
                obj[name + "x"] = moved;
                break;
            case (JsonArray array, int i, 0): array[i] = value; break;
            case (JsonArray array, int i, _): array.RemoveAt(i); break;
        }
    }
}
