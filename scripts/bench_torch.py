#!/usr/bin/env python3
"""PyTorch reference for `npm run bench`: training steps/s of the same models, timed in the same run.

Follows the published MwT implementation (qibinhang/MwT) for the zoo's four models: VGG16-BN and
ResNet18 in their CIFAR variants, SimCNN and ResCNN as in CNNSplitter, laid out as models/*.ts
lays them out, every channel count scaled by --widths as scaleChannels does (the trainable
parameter counts equal tfjs' for all four at widths 1, 0.5 and 0.25). Every conv but the first is
followed by BN and a per-sample kernel mask from a mask generator on the conv's input (GAP ->
Linear(C_in, h) -> ReLU -> Linear(h, C_out, bias 1) -> tanh -> ReLU, h = C_out if C_out < 128 else
C_out / 2), the mask multiplied in after BN, before ReLU.
Modular steps add the cohesion and coupling losses (paper Eq. 4-6, layer by layer, as published)
to cross-entropy; standard steps have no generators and cross-entropy only. SGD, Nesterov momentum
0.9. Random 32x32x3 inputs, labels cycling over 10 classes. One JSON line per measurement on stdout.

Usage: bench_torch.py --models vgg16,resnet18,simcnn,rescnn --widths 1,0.25 --batch-sizes 64 --steps 5 --warmup 2 --threads 2
Run it with Debian's python3 (apt-get install python3-torch).
"""
import argparse
import json
import math
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

VGG16 = [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 'M', 512, 512, 512, 'M', 512, 512, 512, 'M']
# models/resnet.ts: [conv width, pool after it?]; the input of convs 2, 6 and 10 is added to the
# output of the conv after them.
RESCNN = [(64, False), (128, True), (128, False), (128, False), (256, True), (512, True),
          (512, False), (512, False), (512, True), (512, False), (512, False), (512, True)]
RESCNN_RESIDUAL_STARTS = (2, 6, 10)


def scale(channels, width):
    """models/builder.ts scaleChannels: Math.round (halves up, unlike Python's round)."""
    return max(1, math.floor(channels * width + 0.5))


def hidden_width(kernels):
    return kernels if kernels < 128 else kernels // 2


class MaskConvBN(nn.Module):
    """conv -> BN -> (mask) -> (ReLU); the mask generator sees the conv's input."""

    def __init__(self, cin, cout, k=3, stride=1, relu=True, masked=True):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, k, stride, padding=k // 2, bias=False)
        self.bn = nn.BatchNorm2d(cout)
        self.relu = relu
        self.generator = None
        if masked:
            h = hidden_width(cout)
            self.generator = nn.Sequential(nn.Linear(cin, h, bias=False), nn.ReLU(), nn.Linear(h, cout), nn.Tanh(), nn.ReLU())
            nn.init.constant_(self.generator[2].bias, 1.0)

    def forward(self, x, masks):
        y = self.bn(self.conv(x))
        if self.generator is not None:
            m = self.generator(F.adaptive_avg_pool2d(x, 1).flatten(1))
            masks.append(m)
            y = y * m[:, :, None, None]
        return F.relu(y) if self.relu else y


class Stack(nn.Module):
    """VGG16-BN (dropout 0.5) or SimCNN (no dropout): the 13-conv stack, then 512-512-N."""

    def __init__(self, modular, width=1.0, dropout=0.5, classes=10):
        super().__init__()
        layers, cin, first = [], 3, True
        for item in VGG16:
            if item == 'M':
                layers.append('M')
            else:
                cout = scale(item, width)
                layers.append(MaskConvBN(cin, cout, masked=modular and not first))
                cin, first = cout, False
        self.features = nn.ModuleList([l for l in layers if l != 'M'])
        self.plan = layers
        h = scale(512, width)
        self.classifier = nn.Sequential(nn.Linear(cin, h), nn.ReLU(True), nn.Dropout(dropout), nn.Linear(h, h), nn.ReLU(True), nn.Dropout(dropout), nn.Linear(h, classes))

    def forward(self, x):
        masks, i = [], 0
        for item in self.plan:
            if item == 'M':
                x = F.max_pool2d(x, 2)
            else:
                x = self.features[i](x, masks)
                i += 1
        return self.classifier(x.flatten(1)), masks


class Block(nn.Module):
    def __init__(self, cin, cout, stride, modular):
        super().__init__()
        self.c1 = MaskConvBN(cin, cout, 3, stride, masked=modular)
        self.c2 = MaskConvBN(cout, cout, 3, 1, relu=False, masked=modular)
        self.down = MaskConvBN(cin, cout, 1, stride, relu=False, masked=modular) if stride != 1 or cin != cout else None

    def forward(self, x, masks):
        y = self.c2(self.c1(x, masks), masks)
        return F.relu(y + (self.down(x, masks) if self.down is not None else x))


class ResNet18(nn.Module):
    def __init__(self, modular, width=1.0, classes=10):
        super().__init__()
        cin = scale(64, width)
        self.stem = MaskConvBN(3, cin, masked=False)
        blocks = []
        for cout, stride in [(64, 1), (128, 2), (256, 2), (512, 2)]:
            cout = scale(cout, width)
            for i in range(2):
                blocks.append(Block(cin, cout, stride if i == 0 else 1, modular))
                cin = cout
        self.blocks = nn.ModuleList(blocks)
        self.fc = nn.Linear(cin, classes)

    def forward(self, x):
        masks = []
        x = self.stem(x, masks)
        for b in self.blocks:
            x = b(x, masks)
        return self.fc(F.adaptive_avg_pool2d(x, 1).flatten(1)), masks


class ResCNN(nn.Module):
    def __init__(self, modular, width=1.0, classes=10):
        super().__init__()
        convs, cin = [], 3
        for i, (cout, _) in enumerate(RESCNN):
            cout = scale(cout, width)
            convs.append(MaskConvBN(cin, cout, relu=i - 1 not in RESCNN_RESIDUAL_STARTS, masked=modular and i > 0))
            cin = cout
        self.convs = nn.ModuleList(convs)
        self.fc = nn.Linear(cin, classes)

    def forward(self, x):
        masks, residual = [], None
        for i, (conv, (_, pool)) in enumerate(zip(self.convs, RESCNN)):
            if i in RESCNN_RESIDUAL_STARTS:
                residual = x
            x = conv(x, masks)
            if i - 1 in RESCNN_RESIDUAL_STARTS:
                x = F.relu(x + residual)
            if pool:
                x = F.max_pool2d(x, 2)
        return self.fc(x.flatten(1)), masks


MODELS = {
    'vgg16': lambda modular, width: Stack(modular, width, dropout=0.5),
    'simcnn': lambda modular, width: Stack(modular, width, dropout=0.0),
    'resnet18': ResNet18,
    'rescnn': ResCNN,
}


def mask_losses(masks, labels, classes):
    """Cohesion (1 - mean within-class cosine similarity) and coupling (mean between-class), per layer, averaged."""
    onehot = F.one_hot(labels, classes).float()
    counts = onehot.sum(0)
    within_pairs = counts * (counts - 1)
    has_pairs = (within_pairs > 0).float()
    cross = torch.outer(counts, counts)
    valid = (cross > 0).float() * torch.triu(torch.ones(classes, classes), 1)
    cohesions, couplings = [], []
    for m in masks:
        unit = F.normalize(m, dim=1, eps=1e-12)
        s = unit @ unit.t()
        pair_sums = onehot.t() @ s @ onehot
        self_sims = (onehot * s.diagonal()[:, None]).sum(0)
        class_cohesion = (pair_sums.diagonal() - self_sims) / within_pairs.clamp(min=1)
        cohesions.append(1 - (class_cohesion * has_pairs).sum() / has_pairs.sum().clamp(min=1))
        couplings.append(((pair_sums / cross.clamp(min=1)) * valid).sum() / valid.sum().clamp(min=1))
    return torch.stack(cohesions).mean(), torch.stack(couplings).mean()


def measure(model_name, width, batch, form, steps, warmup, alpha=0.5, beta=1.5):
    torch.manual_seed(0)
    model = MODELS[model_name](form == 'modular', width)
    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, nesterov=True)
    g = torch.Generator().manual_seed(12345)
    x = torch.rand(batch, 3, 32, 32, generator=g) * 2 - 1
    y = torch.arange(batch) % 10
    times, cpu = [], []
    for i in range(warmup + steps):
        t0 = time.perf_counter()
        c0 = time.process_time()
        logits, masks = model(x)
        loss = F.cross_entropy(logits, y)
        if masks:
            coh, coup = mask_losses(masks, y, 10)
            loss = loss + alpha * coh + beta * coup
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        loss.item()
        if i >= warmup:
            times.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
    med = statistics.median(times)
    return {'model': model_name, 'width': width, 'batchSize': batch, 'form': form, 'imagesPerSecond': batch / med, 'medianStepMs': med * 1000, 'stepMs': [t * 1000 for t in times], 'cpuMsPerStep': statistics.median(cpu) * 1000}


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--models', default='vgg16,resnet18')
    p.add_argument('--widths', default='1')
    p.add_argument('--batch-sizes', default='64')
    p.add_argument('--steps', type=int, default=5)
    p.add_argument('--warmup', type=int, default=2)
    p.add_argument('--threads', type=int, default=2)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    for m in a.models.split(','):
        if m not in MODELS:
            sys.exit(f'bench_torch.py: --models: no PyTorch model for {m!r} (expected {", ".join(MODELS)})')
    widths = [float(w) for w in a.widths.split(',')]
    for m in a.models.split(','):
        for w in widths:
            for b in [int(s) for s in a.batch_sizes.split(',')]:
                for form in ('standard', 'modular'):
                    row = measure(m, w, b, form, a.steps, a.warmup)
                    row.update({'backend': f'pytorch {torch.__version__}', 'threads': a.threads})
                    print(json.dumps(row), flush=True)


if __name__ == '__main__':
    main()
