using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace StmFhir.Gateway.Tests.Infrastructure;

/// <summary>
/// The gateway on real Kestrel at 127.0.0.1 on a free port, for what the in-memory TestServer does not do: chunked
/// framing, client addresses, the Server header. Same settings and credentials as <see cref="GatewayFactory"/>.
/// </summary>
public sealed class KestrelGatewayFactory : GatewayFactory
{
    // One parameterless constructor, as xunit needs of a class fixture; the port is read when the server starts.
    public KestrelGatewayFactory() => UseKestrel(o => o.Listen(IPAddress.Loopback, Port));

    /// <summary>The port to listen on; 0 (the default) picks a free one. A fixed port lets a restarted gateway keep its URLs.</summary>
    public int Port { get; init; }

    /// <summary>Where the gateway listens (starts it on first use).</summary>
    public Uri Address
    {
        get
        {
            StartServer();
            var addresses = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
            return new Uri(addresses.Single());
        }
    }

    /// <summary>A client of the real server; <paramref name="from"/> binds its side of the connection to that loopback address.</summary>
    public HttpClient RealClient(string? key = ReadWriteKey, IPAddress? from = null)
    {
        var handler = new SocketsHttpHandler();
        if (from is not null)
        {
            handler.ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
                try
                {
                    socket.Bind(new IPEndPoint(from, 0));
                    await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                    return new System.Net.Sockets.NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            };
        }
        var client = new HttpClient(handler) { BaseAddress = Address };
        if (key is not null)
        {
            client.DefaultRequestHeaders.Add("X-Api-Key", key);
        }
        return client;
    }
}
