using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Hosting;
using ServerlessScreening.Pipeline;

var builder = FunctionsApplication.CreateBuilder(args);
builder.Services.AddScreeningPipeline(builder.Configuration);
await builder.Build().RunAsync();
