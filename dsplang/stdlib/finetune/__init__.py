"""Fine-tuning the embedded local model (the `[finetune]` extra): what `BootstrapFinetune` uses.

extra.py      whether torch, transformers, peft and gguf are installed (checked, not imported)
chat_data.py  a predictor call as a chat training example, in the student's own adapter format
trainer.py    LoRA training of a GGUF model on CPU (transformers + peft), seeded, with progress
gguf_lora.py  the trained LoRA weights as a llama.cpp GGUF adapter file (the `gguf` package)

torch, transformers and peft are imported only inside the functions that train.
"""
