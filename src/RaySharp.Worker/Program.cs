// A RaySharp worker process. The raylet starts it with the driver's dependency files, so the job's
// assemblies load from the driver's application directory.
return RaySharp.Runtime.WorkerHost.Run(args);
