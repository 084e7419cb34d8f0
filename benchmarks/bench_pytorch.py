"""PyTorch + diffusers on the shapes `retouch bench models` measures, printing the same `name: value unit` lines,
so the two can run side by side on one machine (speed does not depend on the weights' values: random weights,
SD 1.5 architectures built from their configs, nothing downloaded).

    pip install torch diffusers transformers
    python3 benchmarks/bench_pytorch.py [--runs 3] [--only unet-step-512]
"""
import argparse
import resource
import statistics
import time

import torch
from diffusers import AutoencoderKL, UNet2DConditionModel
from transformers import CLIPTextConfig, CLIPTextModel

SD15_UNET = dict(sample_size=64, in_channels=4, out_channels=4, layers_per_block=2,
                 block_out_channels=(320, 640, 1280, 1280),
                 down_block_types=("CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"),
                 up_block_types=("UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"),
                 cross_attention_dim=768, attention_head_dim=8)
SD15_VAE = dict(in_channels=3, out_channels=3, latent_channels=4, layers_per_block=2,
                block_out_channels=(128, 256, 512, 512),
                down_block_types=("DownEncoderBlock2D",) * 4, up_block_types=("UpDecoderBlock2D",) * 4)
SD15_CLIP = CLIPTextConfig(vocab_size=49408, hidden_size=768, intermediate_size=3072, num_hidden_layers=12,
                           num_attention_heads=12, max_position_embeddings=77, hidden_act="quick_gelu")
FIGURES = ["text-encode", "unet-step-256", "unet-step-512", "vae-encode-512", "vae-decode-512", "inpaint-512",
           "inpaint-512-lcm4", "inpaint-512-lcm4-taesd", "vae-decode-512-bf16"]
TOKENIZER = __import__("pathlib").Path(__file__).resolve().parent.parent / "fixtures" / "tokenizer"


def inpaint_512(few_step=False, taesd=False):
    """A whole 20-step 512 px inpaint with an SD 1.5 inpainting-architecture pipeline (run it alone for its peak).
    few_step: `inpaint-512-lcm4`, 4 LCMScheduler steps at guidance 1 (no unconditional batch), as with an LCM-LoRA.
    taesd: `inpaint-512-lcm4-taesd`, the final latents decoded by a TAESD (AutoencoderTiny, random weights) instead
    of the full VAE, which still encodes the photo."""
    import numpy as np
    from PIL import Image
    from diffusers import LCMScheduler, PNDMScheduler, StableDiffusionInpaintPipeline
    from transformers import CLIPTokenizer
    start = time.perf_counter()
    pipe = StableDiffusionInpaintPipeline(
        vae=AutoencoderKL(**SD15_VAE), text_encoder=CLIPTextModel(SD15_CLIP),
        tokenizer=CLIPTokenizer(str(TOKENIZER / "vocab.json"), str(TOKENIZER / "merges.txt"), model_max_length=77),
        unet=UNet2DConditionModel(**dict(SD15_UNET, in_channels=9)),
        scheduler=(LCMScheduler(beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear", steps_offset=1,
                                set_alpha_to_one=False) if few_step else
                   PNDMScheduler(beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear", skip_prk_steps=True,
                                 steps_offset=1, set_alpha_to_one=False)),
        safety_checker=None, feature_extractor=None, requires_safety_checker=False)
    photo = Image.fromarray((np.arange(512 * 512 * 3) % 251).reshape(512, 512, 3).astype(np.uint8))
    mask = np.zeros((512, 512), np.uint8)
    mask[128:384, 160:352] = 255
    result = pipe(prompt="a red saucer on a wooden table", image=photo, mask_image=Image.fromarray(mask),
                  num_inference_steps=4 if few_step else 20, guidance_scale=1.0 if few_step else 7.5,
                  generator=torch.Generator("cpu").manual_seed(0), output_type="latent" if taesd else "pil")
    if taesd:
        from diffusers import AutoencoderTiny
        decoded = AutoencoderTiny().eval().decode(result.images).sample   # TAESD's scaling_factor is 1
        pipe.image_processor.postprocess(decoded, output_type="pil")
    name = "inpaint-512-lcm4-taesd" if taesd else "inpaint-512-lcm4" if few_step else "inpaint-512"
    print(f"{name}: {time.perf_counter() - start:.2f} s", flush=True)


def measure(name, runs, body, digits=2):
    """Prints `name: s` (median wall time after one warm-up) and `name-cpu: s` (median process CPU time, all
    threads: steadier than wall time on a machine other processes share), as `retouch bench models` does."""
    body()
    times, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        body()
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    print(f"{name}: {statistics.median(times):.{digits}f} s", flush=True)
    print(f"{name}-cpu: {statistics.median(cpu):.{digits}f} s", flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", action="append", default=[])
    args = parser.parse_args()
    wanted = lambda name: not args.only or name in args.only
    torch.manual_seed(0)
    with torch.inference_mode():
        if wanted("text-encode"):
            model = CLIPTextModel(SD15_CLIP).eval()
            ids = torch.full((2, 77), 320, dtype=torch.long)
            measure("text-encode", args.runs, lambda: model(ids), digits=4)
            del model
        if wanted("unet-step-256") or wanted("unet-step-512"):
            unet = UNet2DConditionModel(**SD15_UNET).eval()
            context = torch.full((2, 77, 768), 0.1)
            for size in (256, 512):
                if wanted(f"unet-step-{size}"):
                    latent = torch.full((2, 4, size // 8, size // 8), 0.5)
                    measure(f"unet-step-{size}", args.runs, lambda: unet(latent, 981, encoder_hidden_states=context))
            del unet
        if wanted("vae-encode-512") or wanted("vae-decode-512"):
            vae = AutoencoderKL(**SD15_VAE).eval()
            if wanted("vae-encode-512"):
                image = torch.full((1, 3, 512, 512), 0.2)
                measure("vae-encode-512", args.runs, lambda: vae.encode(image))
            if wanted("vae-decode-512"):
                latent = torch.full((1, 4, 64, 64), 0.2)
                measure("vae-decode-512", args.runs, lambda: vae.decode(latent))
        if "vae-decode-512-bf16" in args.only:
            vae = AutoencoderKL(**SD15_VAE).eval().to(torch.bfloat16)
            latent = torch.full((1, 4, 64, 64), 0.2, dtype=torch.bfloat16)
            measure("vae-decode-512-bf16", args.runs, lambda: vae.decode(latent))
            del vae
        if wanted("inpaint-512"):
            inpaint_512()
        if "inpaint-512-lcm4" in args.only:
            inpaint_512(few_step=True)
        if "inpaint-512-lcm4-taesd" in args.only:
            inpaint_512(few_step=True, taesd=True)
    print(f"peak-rss: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.1f} MB")
    print(f"torch: {torch.__version__} threads {torch.get_num_threads()}")


if __name__ == "__main__":
    main()
