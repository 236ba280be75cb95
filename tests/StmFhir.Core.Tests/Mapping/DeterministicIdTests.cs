using StmFhir.Core.Mapping;

namespace StmFhir.Core.Tests.Mapping;

public sealed class DeterministicIdTests
{
    [Fact]
    public void From_SameParts_GivesTheSameVersion5Uuid()
    {
        var id = DeterministicId.From("Patient", "https://example-hospital.org/mrn", "MRN-1");

        Assert.Equal(id, DeterministicId.From("Patient", "https://example-hospital.org/mrn", "MRN-1"));
        Assert.Equal('5', id[14]);
        Assert.NotEqual(id, DeterministicId.From("Patient", "https://example-hospital.org/mrn", "MRN-2"));
    }

    [Fact]
    public void From_PartsSplitDifferently_GiveDifferentIds()
    {
        Assert.NotEqual(DeterministicId.From("ab", "c"), DeterministicId.From("a", "bc"));
    }

    [Fact]
    public void Child_EveryKindAndIndex_IsDistinctAndKeepsTheSeedPrefix()
    {
        var seed = DeterministicId.Seed("https://pt.example-clinic.org/stm", "S-1");
        var ids = Enumerable.Range(0, 6).SelectMany(kind => Enumerable.Range(0, 300).Select(i => DeterministicId.Child(seed, (byte)kind, i))).ToList();

        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.All(ids, id => Assert.Equal('8', id[14]));
        Assert.All(ids, id => Assert.Equal(ids[0][..24], id[..24]));
    }

    [Fact]
    public void Child_OtherSession_SharesNoId()
    {
        var a = DeterministicId.Seed("https://pt.example-clinic.org/stm", "S-1");
        var b = DeterministicId.Seed("https://pt.example-clinic.org/stm", "S-2");

        Assert.NotEqual(DeterministicId.Child(a, 1, 0), DeterministicId.Child(b, 1, 0));
    }

    [Fact]
    public void Child_IndexOutOfRange_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => DeterministicId.Child(Guid.Empty, 0, 0x100_0000));
    }
}
