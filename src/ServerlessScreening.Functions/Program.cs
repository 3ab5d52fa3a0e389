using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.Extensions.Hosting;
using ServerlessScreening.Pipeline;

var builder = FunctionsApplication.CreateBuilder(args);
builder.Services.AddScreeningPipeline(builder.Configuration);
builder.Services.AddScreeningTelemetry(builder.Configuration, console: false).UseFunctionsWorkerDefaults();
await builder.Build().RunAsync();
