using StmFhir.Gateway.Security;

namespace StmFhir.Gateway.Tests.Security;

/// <summary>How one scope string reads as a grant; what the grants decide over HTTP is in <see cref="SmartScopeMatrixTests"/>.</summary>
public sealed class ScopeGrantTests
{
    [Theory]
    [InlineData("system/Observation.read", "Observation", "rs", 0)]
    [InlineData("user/Observation.write", "Observation", "cud", 0)]
    [InlineData("system/*.*", "*", "cruds", 0)]
    [InlineData("system/Procedure.rs", "Procedure", "rs", 0)]
    [InlineData("user/Patient.c", "Patient", "c", 0)]
    [InlineData("system/Observation.rs?code=http://loinc.org%7C72514-3", "Observation", "rs", 1)]
    [InlineData("system/Observation.s?code=a&subject=Patient/1", "Observation", "s", 2)]
    [InlineData("stmfhir.read", "*", "rs", 0)]
    [InlineData("stmfhir.write", "*", "cud", 0)]
    public void WellFormedScope_ReadsAsItsGrant(string scope, string type, string permissions, int restrictions)
    {
        var grant = ScopeGrant.Parse(scope);

        Assert.NotNull(grant);
        Assert.Equal(type, grant.Type);
        Assert.Equal(permissions, grant.Permissions);
        Assert.Equal(restrictions, grant.Restrictions.Count);
    }

    [Theory]
    [InlineData("patient/Observation.rs")]
    [InlineData("patient/*.read")]
    [InlineData("system/Observation.sr")]
    [InlineData("system/Observation.rrs")]
    [InlineData("system/Observation.")]
    [InlineData("system/Observation.rx")]
    [InlineData("system/Observation.read?code=a")]
    [InlineData("system/Observation.rs?")]
    [InlineData("system/Observation.rs?code=")]
    [InlineData("system/observation.rs")]
    [InlineData("launch/patient")]
    [InlineData("openid")]
    public void MalformedOrPatientScope_GrantsNothing(string scope)
    {
        Assert.Null(ScopeGrant.Parse(scope));
    }
}
