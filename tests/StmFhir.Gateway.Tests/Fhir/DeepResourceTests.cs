using System.Globalization;
using System.Net;
using System.Text;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using StmFhir.Gateway.Tests.Infrastructure;
using Task = System.Threading.Tasks.Task;

namespace StmFhir.Gateway.Tests.Fhir;

/// <summary>
/// A resource as deep as the reader accepts is stored and read back. JSON nests about twice as deep as the same XML
/// (a repeating element is an array of objects), so XML within <c>Fhir:MaxJsonDepth</c> made create and update answer
/// 500 when the resource was written as JSON for storage, past System.Text.Json's default depth of 64 (the fuzz case
/// 20260312:287: extensions nested inside an Observation's code).
/// </summary>
public sealed class DeepResourceTests
{
    /// <summary>A Patient whose extensions nest <paramref name="extensions"/> levels: XML elements one level deeper.</summary>
    private static Patient DeepPatient(string? id, int extensions)
    {
        Extension inner = new("http://example.org/deep", new FhirString("bottom"));
        for (var i = 1; i < extensions; i++)
        {
            inner = new Extension { Url = "http://example.org/deep", Extension = [inner] };
        }
        return new Patient { Id = id, Extension = [inner] };
    }

    private static ByteArrayContent Xml(Patient patient)
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(new FhirXmlSerializer().SerializeToString(patient)));
        content.Headers.ContentType = new("application/fhir+xml");
        return content;
    }

    private static void AssertSameContent(Patient sent, Patient read)
    {
        read.Meta = null;
        Assert.True(sent.IsExactly(read), "the stored Patient differs from the one sent");
    }

    [Theory]
    [InlineData(64)]
    [InlineData(256)]
    public async Task XmlAsDeepAsFhirMaxJsonDepth_IsCreatedUpdatedAndReadBack_AndOneLevelDeeperIs400(int limit)
    {
        await using var gateway = new GatewayFactory();
        gateway.Settings["Fhir:MaxJsonDepth"] = limit.ToString(CultureInfo.InvariantCulture);
        var client = gateway.ClientWithKey();
        // The root element is depth 0 and the value of the innermost extension depth `limit`: the deepest accepted.
        var created = DeepPatient(id: null, extensions: limit - 1);
        var updated = DeepPatient($"deep-{limit}", extensions: limit - 1);

        var post = await client.PostAsync("/fhir/Patient", Xml(created));
        var put = await client.PutAsync($"/fhir/Patient/deep-{limit}", Xml(updated));

        Assert.True(post.StatusCode == HttpStatusCode.Created, await post.Content.ReadAsStringAsync());
        Assert.True(put.StatusCode == HttpStatusCode.Created, await put.Content.ReadAsStringAsync());
        created.Id = (await post.ReadFhirAsync<Patient>()).Id;
        var read = await client.GetAsync($"/fhir/Patient/{created.Id}");
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        AssertSameContent(created, await read.ReadFhirAsync<Patient>());
        var readUpdated = await client.GetAsync($"/fhir/Patient/deep-{limit}");
        Assert.Equal(HttpStatusCode.OK, readUpdated.StatusCode);
        AssertSameContent(updated, await readUpdated.ReadFhirAsync<Patient>());

        var deeper = await client.PostAsync("/fhir/Patient", Xml(DeepPatient(id: null, extensions: limit)));
        var refused = await deeper.AssertOutcomeAsync(HttpStatusCode.BadRequest);
        Assert.Contains($"nested deeper than {limit} levels", refused.Diagnostics(), StringComparison.Ordinal);
    }
}
