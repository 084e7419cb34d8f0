"""OpenVINO on the shapes `retouch bench models` and `bench_pytorch.py` measure, printing the same `name: value unit`
lines, so all three can run side by side on one machine. The models are bench_pytorch.py's (SD 1.5 architectures
from its configs, random weights, nothing downloaded), built in PyTorch and converted with `openvino.convert_model`
to static shapes, then compiled for the CPU with a latency hint and an explicit inference precision (OpenVINO's
own default is bf16 on CPUs that have it). Each figure is one warm-up, then the median of the timed inferences.

    pip install openvino torch diffusers transformers
    python3 benchmarks/bench_openvino.py [--precision fp32|bf16] [--threads 2] [--runs 3] [--only unet-step-512]
        [--kernels]

`--kernels` also prints, per figure, which CPU kernels took the time in the last run (OpenVINO's performance
counters: names with `amx` are Intel AMX tile kernels).
"""
import argparse
import collections
import gc
import itertools
import resource

import openvino as ov
import torch
from diffusers import AutoencoderKL, UNet2DConditionModel
from transformers import CLIPTextModel

from bench_pytorch import FIGURES, SD15_CLIP, SD15_UNET, SD15_VAE, measure

PRECISIONS = {"fp32": "f32", "bf16": "bf16"}
BUILDERS = {"clip": lambda: CLIPTextModel(SD15_CLIP), "unet": lambda: UNet2DConditionModel(**SD15_UNET),
            "vae": lambda: AutoencoderKL(**SD15_VAE)}


class PlainOutput(torch.nn.Module):
    """`model` behind a forward that returns one plain tensor, which is what `convert_model`'s tracing wants."""

    def __init__(self, model, call):
        super().__init__()
        self.model, self.call = model, call

    def forward(self, *inputs):
        return self.call(self.model, *inputs)


def figure_table():
    """Each figure OpenVINO can run (all of bench_pytorch.py's but the whole inpaint): the model it needs, a call
    returning a plain tensor and the inputs, exactly as bench_pytorch.py measures them."""
    context, timestep = torch.full((2, 77, 768), 0.1), torch.tensor(981)
    unet_step = lambda unet, latent, t, c: unet(latent, t, encoder_hidden_states=c).sample
    table = {
        "text-encode": ("clip", lambda clip, ids: clip(ids).last_hidden_state,
                        (torch.full((2, 77), 320, dtype=torch.long),)),
        "unet-step-256": ("unet", unet_step, (torch.full((2, 4, 32, 32), 0.5), timestep, context)),
        "unet-step-512": ("unet", unet_step, (torch.full((2, 4, 64, 64), 0.5), timestep, context)),
        "vae-encode-512": ("vae", lambda vae, image: vae.encode(image).latent_dist.mean,
                           (torch.full((1, 3, 512, 512), 0.2),)),
        "vae-decode-512": ("vae", lambda vae, latent: vae.decode(latent).sample, (torch.full((1, 4, 64, 64), 0.2),)),
    }
    return {name: table[name] for name in FIGURES if name in table}


def cpu_name():
    with open("/proc/cpuinfo") as cpuinfo:
        return next((line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")), "unknown")


def convert(model, call, inputs):
    """An OpenVINO model of `call(model, *inputs)` with the inputs' shapes fixed."""
    return ov.convert_model(PlainOutput(model, call), example_input=inputs, input=[tuple(x.shape) for x in inputs])


def compile_for_cpu(core, ov_model, args):
    config = {"INFERENCE_NUM_THREADS": args.threads, "PERFORMANCE_HINT": "LATENCY",
              "INFERENCE_PRECISION_HINT": PRECISIONS[args.precision]}
    if args.kernels:
        config["PERF_COUNT"] = True
    return core.compile_model(ov_model, "CPU", config)


def inference_precision(compiled):
    return compiled.get_property("INFERENCE_PRECISION_HINT").get_type_name()


def probed_precision(core, args):
    """The precision OpenVINO resolves the hint to on this CPU, read back from a one-layer model compiled alike."""
    probe = torch.nn.Linear(8, 8).eval()
    return inference_precision(compile_for_cpu(core, convert(probe, lambda m, x: m(x), (torch.ones(1, 8),)), args))


def kernel_shares(request, top=4):
    """The kernels (OpenVINO's exec types) that took the most time in the request's last inference, as shares."""
    times = collections.Counter()
    for node in request.profiling_info:
        times[node.exec_type] += node.real_time.total_seconds()
    total = sum(times.values()) or 1
    return ", ".join(f"{kind} {100 * seconds / total:.0f} %" for kind, seconds in times.most_common(top))


def time_figure(core, name, model, call, inputs, args, precision):
    ov_model = convert(model, call, inputs)
    compiled = compile_for_cpu(core, ov_model, args)
    del ov_model
    gc.collect()
    if inference_precision(compiled) != precision:
        print(f"note: {name} ran in {inference_precision(compiled)}", flush=True)
    request, arrays = compiled.create_infer_request(), [x.numpy() for x in inputs]
    measure(name, args.runs, lambda: request.infer(arrays), digits=4 if name == "text-encode" else 2)
    if args.kernels:
        print(f"kernels {name}: {kernel_shares(request)}", flush=True)


def main():
    table = figure_table()
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", action="append", default=[], choices=list(table))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--precision", choices=list(PRECISIONS), default="fp32")
    parser.add_argument("--kernels", action="store_true", help="print the kernels that took the time")
    args = parser.parse_args()
    torch.manual_seed(0)
    torch.set_num_threads(args.threads)
    core = ov.Core()
    precision = probed_precision(core, args)
    print(f"openvino: {ov.get_version()} on {cpu_name()}, {args.threads} threads, "
          f"inference precision {precision} (--precision {args.precision})", flush=True)
    wanted = [name for name in table if not args.only or name in args.only]
    with torch.no_grad():
        for builder, names in itertools.groupby(wanted, key=lambda name: table[name][0]):
            model = BUILDERS[builder]().eval()
            for name in names:
                time_figure(core, name, model, *table[name][1:], args, precision)
                gc.collect()
            del model
            gc.collect()
    print(f"peak-rss: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.1f} MB")


if __name__ == "__main__":
    main()
