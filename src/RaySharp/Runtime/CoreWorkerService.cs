using Grpc.Core;
using RaySharp.Common.Ids;
using RaySharp.Protocol;

namespace RaySharp.Runtime;

/// <summary>The gRPC service every driver and worker serves: task pushes and object status for borrowers.</summary>
internal sealed class CoreWorkerService(CoreWorker worker) : Protocol.CoreWorker.CoreWorkerBase
{
    public override Task PushTasks(IAsyncStreamReader<TaskBatch> requestStream, IServerStreamWriter<TaskResultBatch> responseStream, ServerCallContext context)
    {
        if (worker.Executor is null)
        {
            throw new RpcException(new Status(StatusCode.Unimplemented, "A driver does not execute tasks."));
        }
        return worker.Executor.ServeAsync(requestStream, responseStream, context.CancellationToken);
    }

    public override async Task<ObjectValue> GetObjectStatus(GetObjectStatusRequest request, ServerCallContext context)
    {
        var id = ObjectId.FromByteString(request.ObjectId);
        if (!worker.Memory.TryGet(id, out var entry) || entry.IsBorrowed)
        {
            return ObjectValues.Error(id, ErrorConversion.System(ErrorKind.ObjectLost, "", $"Object {id} is not owned by this process."));
        }
        return await entry.Ready.WaitAsync(context.CancellationToken).ConfigureAwait(false);
    }
}
