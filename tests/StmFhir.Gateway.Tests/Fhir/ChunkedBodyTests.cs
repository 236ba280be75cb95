using System.Net;
using System.Net.Sockets;
using System.Text;
using Hl7.Fhir.Model;
using StmFhir.Core.Mapping;
using StmFhir.Gateway.Tests.Infrastructure;
using Task = System.Threading.Tasks.Task;

namespace StmFhir.Gateway.Tests.Fhir;

/// <summary>
/// Chunked request bodies written byte by byte on a raw socket to real Kestrel (the in-memory test server does not
/// parse chunks): the body limit counts content, not framing, and malformed framing is a 400, never a 5xx.
/// </summary>
public sealed class ChunkedBodyTests : IClassFixture<ChunkedBodyTests.SmallLimitGateway>
{
    private const int Limit = 4096;

    private readonly SmallLimitGateway _gateway;

    public ChunkedBodyTests(SmallLimitGateway gateway) => _gateway = gateway;

    /// <summary>A gateway with a 4 KB body limit.</summary>
    public sealed class SmallLimitGateway : IAsyncDisposable
    {
        public KestrelGatewayFactory Factory { get; } = new() { Settings = { ["Fhir:MaxRequestBodyBytes"] = Limit.ToString(System.Globalization.CultureInfo.InvariantCulture) } };

        public ValueTask DisposeAsync() => Factory.DisposeAsync();
    }

    /// <summary>A Patient of exactly <paramref name="size"/> bytes of JSON.</summary>
    private static byte[] PatientJson(int size)
    {
        var json = FhirJson.Serialize(new Patient { Id = "chunked", Name = [new HumanName { Family = "Chunk" }] });
        return Encoding.UTF8.GetBytes(json[..^1] + new string(' ', size - json.Length) + "}");
    }

    private static byte[] Chunked(byte[] content, int chunkSize)
    {
        var body = new MemoryStream();
        for (var i = 0; i < content.Length; i += chunkSize)
        {
            var length = Math.Min(chunkSize, content.Length - i);
            body.Write(Encoding.ASCII.GetBytes($"{length:x}\r\n"));
            body.Write(content, i, length);
            body.Write("\r\n"u8);
        }
        body.Write("0\r\n\r\n"u8);
        return body.ToArray();
    }

    private async Task<(int Status, string Headers, string Body)> PostRawAsync(string path, byte[] chunkedBody)
    {
        var address = _gateway.Factory.Address;
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, address.Port);
        var stream = tcp.GetStream();
        var head = $"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{address.Port}\r\nX-Api-Key: {GatewayFactory.ReadWriteKey}\r\n"
            + "Content-Type: application/fhir+json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
        try
        {
            await stream.WriteAsync(chunkedBody);
        }
        catch (IOException)
        {
            // The server may answer and close before it has read the whole body (a refusal); the answer is still there to read.
        }
        var answer = new MemoryStream();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await stream.CopyToAsync(answer, timeout.Token);
        }
        catch (IOException)
        {
            // A reset after the answer was written.
        }
        var text = Encoding.UTF8.GetString(answer.ToArray());
        var split = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        Assert.True(split > 0, $"no HTTP answer: '{text}'");
        return (int.Parse(text.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture), text[..split], text[(split + 4)..]);
    }

    [Fact]
    public async Task ContentUnderTheLimit_InOneByteChunks_IsAccepted_ThoughItsFramingIsOverTheLimit()
    {
        var content = PatientJson(Limit - 100);
        var body = Chunked(content, 1);
        Assert.True(body.Length > 5 * Limit);

        var (status, _, answer) = await PostRawAsync("/fhir/$validate", body);

        Assert.True(status == 200, $"{status}: {answer}");
        Assert.Contains("OperationOutcome", answer);
    }

    [Fact]
    public async Task ContentOverTheLimit_InChunks_Is413Outcome()
    {
        var (status, headers, answer) = await PostRawAsync("/fhir/Patient", Chunked(PatientJson(Limit + 1), 512));

        Assert.Equal(413, status);
        Assert.Contains("Fhir:MaxRequestBodyBytes", answer);
        Assert.Contains("X-Correlation-Id", headers, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("FFFFFFFF")]
    [InlineData("7FFFFFFFFFFFFFFF")]
    [InlineData("FFFFFFFFFFFFFFFF")]
    [InlineData("10000000000000000")]
    [InlineData("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF")]
    public async Task OverflowingChunkSize_Is400Outcome_AndTheGatewayServesOn(string chunkSize)
    {
        var (status, headers, answer) = await PostRawAsync("/fhir/Patient", Encoding.ASCII.GetBytes($"{chunkSize}\r\n{{\"resourceType\":\"Patient\"}}\r\n0\r\n\r\n"));

        Assert.True(status == 400, $"{status}: {answer}");
        Assert.Contains("OperationOutcome", answer);
        Assert.Contains("X-Correlation-Id", headers, StringComparison.OrdinalIgnoreCase);
        using var client = _gateway.Factory.RealClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/fhir/Patient")).StatusCode);
    }
}
