# Build: the .NET SDK image restores, tests nothing, and publishes the gateway and the CLI.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig StmFhir.sln ./
COPY src/ src/
COPY tests/ tests/
RUN dotnet restore StmFhir.sln
COPY profiles/ profiles/
COPY samples/ samples/
RUN dotnet publish src/StmFhir.Gateway -c Release -o /app/gateway --no-restore \
 && dotnet publish src/StmFhir.Cli -c Release -r linux-x64 --self-contained false -o /app/cli

# Run: the ASP.NET Core runtime image with the gateway (and the stmfhir CLI beside it).
FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app
COPY --from=build /app/gateway ./
COPY --from=build /app/cli /app/cli
COPY profiles/ /app/profiles/
# The app user must be able to write the data folder, and the log files go there too (/app is read-only to it).
RUN mkdir -p /data && chown app:app /data
ENV ASPNETCORE_URLS=http://0.0.0.0:8080 \
    STMFHIR_DATA_DIR=/data \
    Serilog__WriteTo__1__Args__path=/data/logs/stmfhir-.clef
VOLUME /data
EXPOSE 8080
USER app
ENTRYPOINT ["dotnet", "StmFhir.Gateway.dll"]
