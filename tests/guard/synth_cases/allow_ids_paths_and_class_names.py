# expect: allow
# why: templated file names, ids and class names are bookkeeping, not example text.
image_paths = [f"{root}/img_{i:05d}.png" for i in range(n_images)]
labels = [f"class_{i}" for i in range(10)]
columns = [f"feature_{j}" for j in range(64)]
run_names = [f"lr={lr} seed={s}" for lr in lrs for s in seeds]
images = [load_image(f"{root}/img_{i}.png") for i in range(n_images)]
