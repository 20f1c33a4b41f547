#!/usr/bin/env python3
"""A random-weight checkpoint of the research release's MSCOCO model at its real shapes, in the release's formats.

For measuring convert-original (time, memory) on what coco_learnable.pth looks like: configs/coco.yaml's DALLE (19
layers x 1024, CLIP ViT-B/32 text encoder stored in float16, learned classifier-free embeddings in float64), saved as
the release's solver does (model, ema of the transformer, AdamW state of the trainable parameters, all recorded at
cuda:0), and the Gumbel f8 codec as a Lightning checkpoint. Weights are random (seeded); the code mapping is the
release's own help_folder/statistics/taming_vqvae_2887.pt.

    /usr/bin/python3 tools/reference/research_coco_shape.py --upstream /tmp/vqd --out /tmp/coco-shape
"""
import argparse
import os
import shutil
import sys

import torch

import research_goldens as rg


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--upstream", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    upstream = os.path.abspath(args.upstream)
    sys.path.insert(0, upstream)
    rg.install_shims()
    os.makedirs(args.out, exist_ok=True)
    os.chdir(args.out)
    torch.manual_seed(0)
    coco = rg.read_yaml(os.path.join(upstream, "configs/coco.yaml"))
    codec = coco["model"]["params"]["content_codec_config"]["params"]
    shutil.copy(os.path.join(upstream, "OUTPUT/pretrained_model/taming_dvae/taming_f8_8192_openimages.yaml"), "taming.yaml")
    shutil.copy(os.path.join(upstream, "help_folder/statistics/taming_vqvae_2887.pt"), "taming_vqvae_2887.pt")
    codec.update(config_path="taming.yaml", ckpt_path="taming.pth", mapping_path="taming_vqvae_2887.pt")
    coco["model"]["params"]["diffusion_config"]["params"]["learnable_cf"] = True
    tok = coco["model"]["params"]["condition_codec_config"]["params"]["tokenizer_config"]["params"]
    tok["bpe_path"] = os.path.join(upstream, "image_synthesis/modeling/modules/clip/bpe_simple_vocab_16e6.txt.gz")
    rg.write_yaml({"model": coco["model"]}, "coco.yaml")

    from image_synthesis.taming.models.vqgan import GumbelVQ
    gumbel = GumbelVQ(**rg.read_yaml("taming.yaml")["model"]["params"])
    rg.lightning_checkpoint(gumbel, "taming.pth", {})
    del gumbel

    from image_synthesis.modeling.modules.clip import clip, model as clip_model
    vit_b32 = clip_model.CLIP(embed_dim=512, image_resolution=224, vision_layers=12, vision_width=768,
                              vision_patch_size=32, context_length=77, vocab_size=49408, transformer_width=512,
                              transformer_heads=8, transformer_layers=12)
    clip.load = lambda name, device="cpu", jit=False: (vit_b32, None)
    from image_synthesis.modeling.build import build_model
    model = build_model(rg.read_yaml("coco.yaml"))
    rg.solver_checkpoint(model, "coco_learnable.pth", 1, optimize_all=True)
    print("wrote", os.path.abspath("coco_learnable.pth"), os.path.getsize("coco_learnable.pth"))


if __name__ == "__main__":
    main()
